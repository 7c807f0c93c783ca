"""The transcripts in docs/staff-guide.md and docs/staff-guide.en.md are what the bot really says.

Each scene below plays a staff session against the fake Telegram and renders it as text; the test fails
when a guide's block differs. After an intended change (or new translations), regenerate them with
`UPDATE_TRANSCRIPTS=1 pytest tests/flows/test_staff_guide.py` and review the diff. Random parts
(invitation codes, actor ids) are masked so the transcripts are deterministic.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from tests.conftest import START, make_settings
from tests.fake_telegram import FakeTelegram, FakeUser, SentMessage
from tests.flows.conftest import ADMIN_ID
from tests.harness import Running, running_bot
from tests.staff_data import add_response

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = {"fr": DOCS / "staff-guide.md", "en": DOCS / "staff-guide.en.md"}
UPDATE = os.environ.get("UPDATE_TRANSCRIPTS") == "1"
BLOCK = re.compile(
    r"(<!-- transcript: (?P<name>[a-z-]+) -->\n```text\n)(?P<body>.*?)(```\n<!-- /transcript -->)", re.S
)
MASKS = [
    (re.compile(r"\bi-[A-Za-z0-9_-]{16}(?![A-Za-z0-9_-])"), "i-XXXXXXXXXXXXXXXX"),  # may end in "-"
    (re.compile(r"\b[0-9a-f]{12}\b"), "a1b2c3d4e5f6"),
]
LIBRARY = (DOCS / "examples" / "library-hours.yaml").read_text(encoding="utf-8")


class Transcript:
    def __init__(self, user: FakeUser, translate: Callable[[str], str]) -> None:
        self.user = user
        self.translate = (
            translate  # buttons are named by their English msgid, pressed in the guide's language
        )
        self.lines: list[str] = []

    def _bot(self, replies: list[SentMessage]) -> None:
        for reply in replies:
            if reply.photo is not None:
                self.lines.append("  [image]")
            elif reply.document is not None:
                self.lines.append(f"  [file {reply.document.filename}] {reply.content}".rstrip())
            else:
                self.lines += ["  " + line if line else "" for line in reply.content.splitlines()]
            if reply.buttons:
                self.lines.append("  " + " ".join(f"[{b}]" for row in reply.buttons for b in row))

    async def send(self, text: str) -> None:
        self.lines.append(f"› {text}")
        self._bot(await self.user.send(text))

    async def press(self, text: str, **values: object) -> None:
        label = self.translate(text).format(**values)
        self.lines.append(f"› (button) {label}")
        self._bot(await self.user.press(label))

    async def upload(self, name: str, content: str) -> None:
        self.lines.append(f"› (file) {name}")
        self._bot(await self.user.send_document(name, content.encode(), "application/x-yaml"))

    def text(self) -> str:
        body = "\n".join(self.lines) + "\n"
        for pattern, mask in MASKS:
            body = pattern.sub(mask, body)
        return body


async def upload(t: Transcript, bot: Running) -> None:
    await t.upload("library-hours.yaml", LIBRARY)
    await t.send("/surveys")


async def newround(t: Transcript, bot: Running) -> None:
    await bot.store_survey(LIBRARY)
    await t.send("/newround")
    await t.press("library-hours v1")
    await t.press("Les horaires de la bibliothèque")
    await t.press("Now")
    await t.press("In {n} days", n=28)
    await t.press("library_hours")
    await t.press("Live round")
    await t.press("Open the round")


async def figures(t: Transcript, bot: Running) -> None:
    await bot.store_survey(LIBRARY)
    rnd = await bot.open_round("library-hours", payload="library", title="Bibliothèques 2027")
    async with bot.services() as services:
        for n in range(12):
            visits = "yes" if n % 4 else "no"
            answers = {"district": "marcinelle" if n < 8 else "jumet", "visits": visits}
            if visits == "yes":
                answers["best_time"] = "evening" if n % 3 else "saturday"
            await add_response(
                services,
                rnd.id,
                f"{n:032d}",
                started=START + timedelta(minutes=n),
                minutes=3 + n % 5 if n < 11 else None,
                language="fr" if n < 9 else "en",
                source=None if n < 7 else "poster",
                answers=answers,
                current="visits" if n == 11 else None,
            )
    await t.send("/rounds")
    await t.send("/stats")
    await t.press(f"#{rnd.id} Bibliothèques 2027")
    await t.send(f"/export {rnd.id}")
    await t.press("CSV")
    await t.send(f"/close {rnd.id}")


async def invite(t: Transcript, bot: Running) -> None:
    await t.send("/invite")
    await t.press("Staff member")
    await t.send("/audit 3")


SCENES: dict[str, Callable[[Transcript, Running], Awaitable[None]]] = {
    "upload": upload,
    "newround": newround,
    "figures": figures,
    "invite": invite,
}


@pytest.fixture
async def guide_bot(
    database_url: str, tg: FakeTelegram, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[Running]:
    """No shipped survey: the transcripts do not change when the shipped survey does."""
    (tmp_path / "no-surveys").mkdir()
    settings = make_settings(
        database_url, tg, admin_ids=frozenset({ADMIN_ID}), surveys_dir=tmp_path / "no-surveys"
    )
    async with running_bot(settings, tg, clock) as running:
        yield running


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("scene", list(SCENES))
async def test_guide_transcripts_are_true(
    guide_bot: Running, tg: FakeTelegram, backend: str, scene: str, language: str
) -> None:
    """The guide's transcript of each scene is exactly what the bot answers today."""
    if backend != "sqlite":
        pytest.skip("the transcripts do not depend on the database")
    admin = tg.user(user_id=ADMIN_ID, first_name="Anne", language_code=language)
    catalogs = guide_bot.app.ctx.catalogs
    transcript = Transcript(admin, lambda msgid: str(catalogs.gettext(msgid, locale=language)))
    await SCENES[scene](transcript, guide_bot)
    guide = GUIDES[language]
    text = guide.read_text(encoding="utf-8")
    blocks = {m["name"]: m for m in BLOCK.finditer(text)}
    assert scene in blocks, f"{guide.name} has no transcript block {scene!r}"
    if UPDATE:
        match = blocks[scene]
        guide.write_text(
            text[: match.start("body")] + transcript.text() + text[match.end("body") :], encoding="utf-8"
        )
    else:
        assert blocks[scene]["body"] == transcript.text()
