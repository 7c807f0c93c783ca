"""Community workers' links: /mylink with QR codes and a poster, attribution of responses to the first
link, /mystats, staff's /link and /links, and links that no longer lead anywhere."""

from __future__ import annotations

import csv
import io

import pytest
from PIL import Image
from sqlalchemy import select

from bot.config import Settings
from bot.db.models import AuditEntry, Contact, Link, LinkKind, Response, Role
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.conftest import UNKNOWN_COMMAND, WORKER_ID, grant
from tests.flows.workers import K, answer, library_round, link_code, worker_settings
from tests.harness import Running

RESIDENTS = (7_700_000_201, 7_700_000_202, 7_700_000_203)


@pytest.fixture
def staff_settings(database_url: str, tg: FakeTelegram) -> Settings:
    return worker_settings(database_url, tg)


async def sources(bot: Running) -> list[str | None]:
    async with bot.session() as session:
        return list(await session.scalars(select(Response.source).order_by(Response.id)))


async def audit_actions(bot: Running) -> list[tuple[str, str | None]]:
    async with bot.session() as session:
        rows = await session.execute(select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id))
        return [(action, target) for action, target in rows]


async def mylink(worker: FakeUser, round_id: int) -> str:
    replies = await worker.send_command("mylink", str(round_id))
    return link_code(replies[0].content)


async def test_mylink_sends_the_link_qr_codes_and_a_poster(staff_bot: Running, worker: FakeUser) -> None:
    """One link per worker and round, bound to their organisation; a PNG of ≥ 1000 px, an SVG, an A4 PDF
    in the worker's language, and buttons for the poster in other languages."""
    round_id = await library_round(staff_bot)
    replies = await worker.send_command("mylink", str(round_id))
    code = link_code(replies[0].content)
    assert replies[0].content.startswith(
        "Your link to “Bibliothèques 2027”:\nhttps://t.me/consultbot_test_bot?start=w-"
    )
    files = {str(r.document.filename): r for r in replies if r.document is not None}
    assert sorted(files) == [f"poster-{code}-en.pdf", f"qr-{code}.png", f"qr-{code}.svg"]
    png = files[f"qr-{code}.png"].document
    assert png is not None and png.content is not None
    assert min(Image.open(io.BytesIO(png.content)).size) >= 1000
    svg = files[f"qr-{code}.svg"].document
    assert svg is not None and svg.content is not None and b"<svg" in svg.content
    pdf = files[f"poster-{code}-en.pdf"].document
    assert pdf is not None and pdf.content is not None and pdf.content.startswith(b"%PDF")
    assert files[f"poster-{code}-en.pdf"].content == "A4 poster (English)"
    assert worker.last_text == "The poster in another language:"
    assert worker.buttons()[0] == ["Français", "Nederlands", "English"]
    await worker.press("Türkçe")
    poster = worker.last_message.document
    assert poster is not None and poster.filename == f"poster-{code}-tr.pdf"
    assert await mylink(worker, round_id) == code  # asked again: the same link
    async with staff_bot.session() as session:
        link = await session.get(Link, code)
        owner = await session.scalar(select(Contact).where(Contact.telegram_id == WORKER_ID))
    assert link is not None and owner is not None
    assert (link.label, link.kind, link.owner_contact_id) == ("Maison de quartier", LinkKind.WORKER, owner.id)


async def test_mylink_without_a_round_offers_the_open_ones(staff_bot: Running, worker: FakeUser) -> None:
    """/mylink alone lists the open rounds as buttons; a closed round gets no link."""
    round_id = await library_round(staff_bot)
    await worker.send_command("mylink")
    assert worker.last_text == "Which consultation is your link for?"
    replies = await worker.press(f"#{round_id} Bibliothèques 2027")
    assert link_code(replies[0].content)
    async with staff_bot.services() as services:
        await services.rounds.close(round_id)
    await worker.send_command("mylink", str(round_id))
    assert worker.last_text.startswith("This round is closed")
    await worker.send_command("mylink")
    assert worker.last_text == "There is no consultation open right now."
    await worker.send_command("mylink", "999")
    assert worker.last_text.startswith("There is no consultation with this number.")


async def test_a_link_used_by_three_residents_counts_everywhere_by_its_label(
    staff_bot: Running, tg: FakeTelegram, worker: FakeUser, staff: FakeUser
) -> None:
    """Three residents answer through a worker's link: /mystats, /stats and the export's source column
    show them, under the organisation's label, never the worker's name or code."""
    round_id = await library_round(staff_bot)
    code = await mylink(worker, round_id)
    for user_id in RESIDENTS:
        await answer(tg.user(user_id=user_id, first_name="Resident", language_code="en"), code)
    assert await sources(staff_bot) == [code, code, code]

    await worker.send_command("mystats")
    assert worker.last_text == (
        "Residents who came through your links:\n"
        f"• Bibliothèques 2027 (round {round_id}): started 3 · completed 3\n"
        "\n"
        f'Counts below {K} are shown as "<{K}", so that nobody can be recognised.'
    )

    stats = (await staff.send_command("stats", str(round_id)))[0].content
    assert "By link\n  • Maison de quartier: 3\n" in stats
    assert code not in stats and "Wendy" not in stats

    await staff.send_command("export", f"{round_id} csv")
    document = staff.last_message.document
    assert document is not None and document.content is not None
    rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert [row["source"] for row in rows] == ["Maison de quartier"] * 3
    assert [row["assisted"] for row in rows] == ["0"] * 3
    assert code not in document.content.decode() and str(WORKER_ID) not in document.content.decode()


async def test_mystats_hides_small_counts(staff_bot: Running, tg: FakeTelegram, worker: FakeUser) -> None:
    """One resident started, nobody completed: both shown as "<3"."""
    round_id = await library_round(staff_bot)
    code = await mylink(worker, round_id)
    resident = tg.user(user_id=RESIDENTS[0], first_name="Resident", language_code="en")
    await resident.start(code)
    await resident.press("Yes, I agree")
    await worker.send_command("mystats")
    assert f"started <{K} · completed <{K}" in worker.last_text


async def test_the_first_link_a_resident_opened_keeps_the_response(
    staff_bot: Running, tg: FakeTelegram, worker: FakeUser, staff: FakeUser
) -> None:
    """A resident who opens a second link (before or after agreeing to the notice) stays attributed to
    the first one."""
    round_id = await library_round(staff_bot)
    first = await mylink(worker, round_id)
    await staff.send_command("link", f"new {round_id} Radio Charleroi")
    second = link_code(staff.all_texts()[-5])
    undecided = tg.user(user_id=RESIDENTS[0], first_name="Ann", language_code="en")
    await undecided.start(first)
    await undecided.start(second)
    await undecided.press("Yes, I agree")
    await undecided.press("Jumet")
    started = tg.user(user_id=RESIDENTS[1], first_name="Ben", language_code="en")
    await started.start(first)
    await started.press("Yes, I agree")
    await started.start(second)
    assert started.last_text.startswith("Question 1 of 2")  # where they were
    assert await sources(staff_bot) == [first, first]


async def test_links_that_lead_nowhere_get_a_friendly_answer(
    staff_bot: Running, tg: FakeTelegram, worker: FakeUser, staff: FakeUser
) -> None:
    """An unknown code, a withdrawn link, a link to a closed round: a short message and the open rounds."""
    round_id = await library_round(staff_bot)
    other_id = await library_round(staff_bot, payload="other")
    code = await mylink(worker, round_id)
    other = await mylink(worker, other_id)
    resident = tg.user(user_id=RESIDENTS[0], first_name="Ann", language_code="en")
    replies = await resident.start("w-0000000000")
    assert [r.content for r in replies] == [
        "This link no longer works. Here are the consultations open now.",
        "Choose a consultation:",
    ]
    await staff.send_command("link", f"revoke {code}")
    assert staff.last_text == (
        f"Done: the link {code} (Maison de quartier) no longer works. Answers already given through it "
        "stay counted."
    )
    replies = await resident.start(code)
    assert replies[0].content == "This link no longer works. Here are the consultations open now."
    async with staff_bot.services() as services:
        await services.rounds.close(other_id)
    replies = await resident.start(other)
    assert replies[0].content == "This consultation is closed. Thank you for your interest!"
    assert replies[-1].content == "Choose a consultation:"
    await worker.send_command("mylink", str(round_id))
    assert worker.last_text.startswith("Your link to this round was withdrawn by the City's staff.")
    assert await sources(staff_bot) == []


async def test_staff_make_list_and_withdraw_links(
    staff_bot: Running, worker: FakeUser, staff: FakeUser
) -> None:
    """/link new makes a campaign link with its files; /links lists every link of a round with its kind,
    code and counts (the worker's under their organisation only); both are audited."""
    round_id = await library_round(staff_bot)
    await staff.send_command("link")
    assert staff.last_text.startswith("Usage:\n/link new <round> <label>")
    replies = await staff.send_command("link", f"new {round_id} Radio Charleroi")
    campaign = link_code(replies[0].content)
    assert replies[0].content.startswith("New link for “Radio Charleroi” to “Bibliothèques 2027”:")
    assert [r.document.filename for r in replies if r.document is not None] == [
        f"qr-{campaign}.png",
        f"qr-{campaign}.svg",
        f"poster-{campaign}-en.pdf",
    ]
    await staff.press("Polski")
    assert staff.last_message.content == "A4 poster (Polski)"
    code = await mylink(worker, round_id)
    await staff.send_command("links", str(round_id))
    assert staff.last_text == (
        f"Links of round {round_id}:\n"
        f"• Radio Charleroi (campaign) — {campaign}\n   started: <3 · completed: <3\n"
        f"• Maison de quartier (community worker) — {code}\n   started: <3 · completed: <3\n"
        "\n"
        'Counts below 3 are shown as "<3".'
    )
    await staff.send_command("links")
    await staff.press(f"#{round_id} Bibliothèques 2027")
    assert staff.last_text.startswith(f"Links of round {round_id}:")
    await staff.send_command("link", "revoke w-nothing")
    assert staff.last_text == "There is no link with this code. Send /links <round> to see them."
    assert await audit_actions(staff_bot) == [("link.create", f"round:{round_id}")]


async def test_a_worker_cannot_see_another_workers_figures(
    staff_bot: Running, tg: FakeTelegram, worker: FakeUser, staff: FakeUser
) -> None:
    """/mystats with someone else's code is refused (and audited); staff's commands stay hidden from
    workers, and workers' commands from staff."""
    round_id = await library_round(staff_bot)
    colleague = tg.user(user_id=7_700_000_099, first_name="Omar", language_code="en")
    await grant(staff_bot, colleague, Role.WORKER, "CPAS")
    theirs = await mylink(colleague, round_id)
    await mylink(worker, round_id)
    await worker.send_command("mystats", theirs)
    assert worker.last_text == "You can only see the figures of your own links. Send /mystats to see them."
    assert ("mystats.refused", "/mystats") in await audit_actions(staff_bot)
    for command in ("stats", "links", "link"):
        assert (await worker.send_command(command, str(round_id)))[0].content == UNKNOWN_COMMAND
    for command in ("mylink", "mystats", "assist"):
        assert (await staff.send_command(command))[0].content == UNKNOWN_COMMAND
