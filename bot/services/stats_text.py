"""The figures of a round as a short text, in a language: for staff in Telegram and for the CLI."""

from __future__ import annotations

from bot.errors import N_
from bot.services.labels import Translate, choice_label
from bot.services.stats import ASSISTED, DIRECT, UNASSISTED, Figures, Tally
from bot.services.suppression import Hidden
from surveys import missing_translations

LABEL_MAX = 48


def short(text: str, limit: int = LABEL_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def duration(seconds: float, language: str, t: Translate) -> str:
    minutes, rest = divmod(round(seconds), 60)
    if minutes >= 60:
        return t(N_("{h} h {m} min"), language).format(h=minutes // 60, m=minutes % 60)
    return t(N_("{m} min {s} s"), language).format(m=minutes, s=rest)


def category(figures: Figures, table: Tally, code: str, language: str, t: Translate) -> str:
    survey = figures.survey
    if table.question is not None:
        return short(choice_label(survey, table.question, code, language, t), 32)
    if table.key == "dropoff" and survey.has_question(code):
        return short(survey.question(code).label.get(language), 32) + f" ({code})"
    if table.key == "source" and code == DIRECT:
        return t(N_("direct (no link code)"), language)
    if table.key == "assisted":
        names = {ASSISTED: N_("with a community worker"), UNASSISTED: N_("on their own")}
        return t(names[code], language) if code in names else code
    return code


def table_lines(figures: Figures, table: Tally, language: str, t: Translate) -> list[str]:
    k = figures.k
    if table.question is not None and table.table.total.hidden is Hidden.PRIMARY:
        return ["  " + t(N_("fewer than {k} answers"), language).format(k=k)]
    lines = [
        f"  • {category(figures, table, code, language, t)}: {cell.shown(k)}"
        for code, cell in zip(table.codes, table.table.cells, strict=True)
    ]
    return lines or ["  " + t(N_("(none)"), language)]


def title_of(figures: Figures, table: Tally, language: str, t: Translate) -> str:
    if table.question is not None:
        return short(table.question.label.get(language)) + f" ({table.key})"
    names = {
        "language": N_("By language"),
        "source": N_("By link"),
        "assisted": N_("Assisted interviews"),
        "dropoff": N_("Where people stopped (started, not finished)"),
    }
    return t(names[table.key], language)


def render(figures: Figures, language: str, t: Translate, status: str) -> str:
    rnd, survey = figures.round, figures.survey
    title = rnd.title or survey.title.get(language)
    lines = [
        t(N_("Round {id} — {title}"), language).format(id=rnd.id, title=title),
        t(N_("Survey {survey} version {version} · {status}"), language).format(
            survey=survey.id, version=survey.version, status=status
        ),
    ]
    rate = figures.completion_rate
    lines.append(
        t(N_("Started: {started} · completed: {completed} ({rate})"), language).format(
            started=figures.started,
            completed=figures.completed,
            rate=f"{rate:.0%}" if rate is not None else "–",
        )
    )
    if figures.median_seconds is not None:
        lines.append(
            t(N_("Median time to complete: {duration}"), language).format(
                duration=duration(figures.median_seconds, language, t)
            )
        )
    lines.append(
        t(
            N_('Counts below {k} are shown as "<{k}"; "·" hides a count that would reveal them.'), language
        ).format(k=figures.k)
    )
    lines += fallback_lines(figures, language, t)
    for table in (figures.dropoff, *figures.breakdowns, *figures.distributions):
        lines += ["", title_of(figures, table, language, t), *table_lines(figures, table, language, t)]
    return "\n".join(lines)


def fallback_lines(figures: Figures, language: str, t: Translate) -> list[str]:
    """How often residents met a text in the survey's default language because theirs was missing: per
    language, the missing texts and the responses given in that language (already suppressed)."""
    missing = {code: places for code, places in missing_translations(figures.survey).items() if places}
    if not missing:
        return []
    by_language = next((table for table in figures.breakdowns if table.key == "language"), None)
    shown = (
        dict(zip(by_language.codes, by_language.table.shown(figures.k), strict=True)) if by_language else {}
    )
    lines = ["", t(N_("Texts shown in the default language because a translation is missing:"), language)]
    for code, places in missing.items():
        lines.append(
            t(N_("• {language}: missing texts: {n}; responses that met them: {responses}"), language).format(
                language=code, n=len(places), responses=shown.get(code, "0")
            )
        )
    return lines
