"""Texts shared by several handlers. Each is a function so it is translated at the moment of use."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def privacy_notice(city: str) -> str:
    return _(
        "Before you start: what happens with your answers\n"
        "\n"
        "• Who: the City of {city} asks the questions and keeps the answers.\n"
        "• Why: to consult residents before it decides. This is part of the city's public task.\n"
        "• What is kept: your answers, the language you chose and when you answered. "
        "Your name and your Telegram account are kept apart from your answers.\n"
        "• Who sees what: city staff see the answers without your name. "
        "Results are published only as totals.\n"
        "• For how long: the link between you and your answers is removed when the consultation is over. "
        "The answers without your name are kept for the report.\n"
        "• Your rights: /mydata shows what we keep about you, /forget deletes it. "
        "Telegram carries the messages.\n"
        "\n"
        "Do you agree to take part?"
    ).format(city=city)


def help_text() -> str:
    return (
        _(
            "I help the city ask residents for their opinion.\n"
            "\n"
            "/start — see the consultations open now\n"
            "/language — change the language\n"
            "/privacy — how your answers are used\n"
            "/mydata — see what we keep about you\n"
            "/forget — delete your data\n"
            "/help — this message\n"
            "\n"
            "To answer, press the buttons or type your answer."
        )
        + "\n\n"
        + _("/notifications — choose what I may send you\n/stop — no more messages from me")
    )


def command_descriptions() -> list[tuple[str, str]]:
    """The resident's command menu (setMyCommands), in the current language."""
    return [
        ("start", _("Open consultations")),
        ("language", _("Change language")),
        ("privacy", _("How your answers are used")),
        ("mydata", _("See what we keep about you")),
        ("forget", _("Delete your data")),
        ("notifications", _("What I may send you")),
        ("stop", _("No more messages from me")),
        ("help", _("Help")),
    ]
