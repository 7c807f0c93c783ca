"""/stats and /export in the chat: figures with small counts hidden, charts, files, test rounds."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.services import exports
from tests.conftest import START
from tests.fake_telegram import FakeUser
from tests.harness import Running, database_drops
from tests.staff_data import add_response

DISTRICTS = ["marcinelle"] * 6 + ["jumet"] * 2


async def round_with_answers(bot: Running, *, is_test: bool = False) -> int:
    """Eight completed responses (6 Marcinelle, 2 Jumet) and one stopped at `format`."""
    rnd = await bot.open_round(payload="stats", is_test=is_test)
    async with bot.services() as services:
        for n, district in enumerate(DISTRICTS):
            await add_response(
                services,
                rnd.id,
                f"{n:032d}",
                started=START + timedelta(minutes=n),
                minutes=8 + n,
                source="poster" if n < 5 else None,
                answers={"district": district, "has_children": "yes" if n % 2 else "no", "confidence": 4},
            )
        await add_response(services, rnd.id, "f" * 32, started=START, minutes=None, current="format")
    return rnd.id


async def test_stats_text_hides_small_counts_and_sends_charts(staff_bot: Running, staff: FakeUser) -> None:
    """Started, completed, rate, median, drop-off, breakdowns; counts below 5 as "<5"; PNG charts."""
    round_id = await round_with_answers(staff_bot)
    replies = await staff.send_command("stats", str(round_id))
    text = replies[0].content
    assert "Started: 9 · completed: 8 (89%)" in text
    assert "Median time to complete: 11 min 30 s" in text
    assert "Where people stopped (started, not finished)" in text
    assert "  • Jumet: <5\n" in text and "  • Marcinelle: 6\n" in text
    # 4 direct responses are hidden; the 5 by poster too, or 9 - 5 would reveal them:
    assert "By link\n  • poster: ·\n  • direct (no link code): <5\n" in text
    photos = [r for r in replies if r.photo is not None]
    assert photos and all(p.photo.content.startswith(b"\x89PNG") for p in photos)  # type: ignore[union-attr]


async def test_stats_without_a_round_offers_the_rounds(staff_bot: Running, staff: FakeUser) -> None:
    """/stats alone asks which round, with buttons."""
    round_id = await round_with_answers(staff_bot)
    await staff.send_command("stats")
    assert staff.last_text == "Figures of which round?"
    await staff.press(f"#{round_id} charleroi-learning-city")
    assert any("Started: 9" in text for text in staff.all_texts())


async def test_test_rounds_are_left_out_unless_asked_for(staff_bot: Running, staff: FakeUser) -> None:
    """A test round's figures and export need the word 'test'."""
    round_id = await round_with_answers(staff_bot, is_test=True)
    await staff.send_command("stats", str(round_id))
    assert staff.last_text.startswith("This is a test round")
    await staff.send_command("export", f"{round_id} csv")
    assert staff.last_text.startswith("This is a test round")
    replies = await staff.send_command("stats", f"{round_id} test")
    assert "Started: 9" in replies[0].content


async def test_export_asks_for_the_format_and_sends_the_file(staff_bot: Running, staff: FakeUser) -> None:
    """/export <round> offers CSV, XLSX and JSON; the file arrives with counts, and it is audited."""
    round_id = await round_with_answers(staff_bot)
    await staff.send_command("export", str(round_id))
    assert staff.buttons() == [["CSV", "XLSX", "JSON"]]
    await staff.press("XLSX")
    document = staff.last_message.document
    assert document is not None and document.content is not None and document.content.startswith(b"PK")
    assert staff.last_text == f"Round {round_id}: 9 responses, 8 completed."
    async with staff_bot.services() as services:
        entry = (await services.audit.latest())[0]
    assert (entry.action, entry.target, entry.detail) == (
        "export",
        f"round:{round_id}",
        {"format": "xlsx", "responses": 9, "labels": None},
    )


async def test_export_of_an_empty_round_sends_headers_only(staff_bot: Running, staff: FakeUser) -> None:
    """No answers yet: the CSV holds its header row."""
    rnd = await staff_bot.open_round(payload="empty")
    await staff.send_command("export", f"{rnd.id} csv")
    document = staff.last_message.document
    assert document is not None and document.content is not None
    assert document.content.decode("utf-8-sig").count("\n") == 1


async def test_residents_answer_while_an_export_is_written(
    staff_bot: Running, staff: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resident's answer written while the file is being written goes through at once (on SQLite the
    /export update used to hold the write lock until the whole file was written), and the file holds
    what the database held when the export began: one snapshot."""
    round_id = await round_with_answers(staff_bot)
    loop = asyncio.get_running_loop()
    written: list[int] = []

    async def a_resident_answers() -> None:
        async with staff_bot.services() as services:
            await add_response(services, round_id, "a" * 32, started=START, answers={"district": "jumet"})
        written.append(1)

    original = exports._write

    def write_meanwhile(*args: Any) -> None:
        if not written:  # in the export's worker thread, between two batches of the file
            asyncio.run_coroutine_threadsafe(a_resident_answers(), loop).result(timeout=5)
        original(*args)

    monkeypatch.setattr(exports, "_write", write_meanwhile)
    await staff.send_command("export", f"{round_id} csv")
    assert written == [1]
    document = staff.last_message.document
    assert document is not None and document.content is not None
    assert document.content.decode("utf-8-sig").count("\n") == 1 + 9
    assert staff.last_text == f"Round {round_id}: 9 responses, 8 completed."
    replies = await staff.send_command("export", f"{round_id} csv")
    assert replies[-1].content == f"Round {round_id}: 10 responses, 9 completed."


async def test_a_database_failure_during_an_export_is_said(staff_bot: Running, staff: FakeUser) -> None:
    """The export's read fails after the update's own work was committed: Telegram is not asked to
    deliver the update again (it would be skipped as processed); the staff member is told, and asking
    again works."""
    round_id = await round_with_answers(staff_bot)
    readers = staff_bot.app.ctx.readers.kw["bind"]
    with database_drops(staff_bot, "FROM answers", engine=readers) as failed:
        replies = await staff.send_command("export", f"{round_id} csv")  # answered 200
    assert failed
    assert [r.content for r in replies] == [
        "Sorry, I could not read the answers just now. Nothing was changed: please try again in a moment."
    ]
    replies = await staff.send_command("export", f"{round_id} csv")
    assert replies[-1].content == f"Round {round_id}: 9 responses, 8 completed."


async def test_two_exports_at_once(
    staff_bot: Running, staff: FakeUser, admin: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second staff member's export starts and finishes while the first one's file is being written:
    on SQLite each gets a reading connection of its own instead of waiting for the other's."""
    round_id = await round_with_answers(staff_bot)
    loop = asyncio.get_running_loop()
    second: list[list[Any]] = []
    original = exports._write

    def write_meanwhile(*args: Any) -> None:
        if not second:  # the first export, in its worker thread
            second.append([])
            export = admin.send_command("export", f"{round_id} json")
            second[0] = asyncio.run_coroutine_threadsafe(export, loop).result(timeout=20)
        original(*args)

    monkeypatch.setattr(exports, "_write", write_meanwhile)
    await staff.send_command("export", f"{round_id} csv")
    assert staff.last_text == f"Round {round_id}: 9 responses, 8 completed."
    assert second[0][-1].content == f"Round {round_id}: 9 responses, 8 completed."
    document = admin.last_message.document
    assert document is not None and document.filename is not None and document.filename.endswith(".jsonl")


async def test_an_export_reads_one_snapshot(staff_bot: Running, backend: str) -> None:
    """The export's two cursors share one snapshot: PostgreSQL's REPEATABLE READ (READ COMMITTED would
    give each its own); SQLite's deferred read transaction has one by nature."""
    if backend != "postgres":
        pytest.skip("SQLite: shown by test_residents_answer_while_an_export_is_written")
    async with staff_bot.services() as services, services.snapshot() as reading:
        isolation = await reading.session.scalar(text("SHOW transaction_isolation"))
        read_only = await reading.session.scalar(text("SHOW transaction_read_only"))
    assert (isolation, read_only) == ("repeatable read", "on")
