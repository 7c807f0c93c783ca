"""Assisted interviews: a worker fills in a round with a resident beside them, in the resident's language
with the worker's own menus; a separate, flagged response; a receipt code; `consultbot forget-receipt`."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest
from sqlalchemy import func, select

from bot.cli import main as cli
from bot.config import Settings
from bot.db.models import Answer, AuditEntry, Respondent, Response, ResponseStatus, Role
from bot.services.answering import REVIEW
from bot.services.assisted import RECEIPT_ALPHABET, receipt_hash
from bot.services.privacy import PRIVACY_NOTICE_VERSION
from handlers.callbacks import AnswerCb, NavCb
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.conftest import UNKNOWN_COMMAND, WORKER_ID, grant
from tests.flows.workers import library_round, link_code, worker_settings
from tests.harness import Running

RECEIPT = r"Receipt code for the resident: ([A-Z0-9]{4})-([A-Z0-9]{4})"


@pytest.fixture
def staff_settings(database_url: str, tg: FakeTelegram) -> Settings:
    return worker_settings(database_url, tg)


async def responses(bot: Running) -> list[tuple[Response, int | None]]:
    """Every response with its respondent's contact id."""
    async with bot.session() as session:
        rows = await session.execute(
            select(Response, Respondent.contact_id)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .order_by(Response.id)
        )
        return [(response, contact) for response, contact in rows]


async def begin(worker: FakeUser, round_id: int, language: str = "English") -> None:
    """/assist, the survey's language, the resident agrees."""
    await worker.send_command("assist", str(round_id))
    await worker.press(language)
    await worker.press("✅ The resident agrees")


async def interview(
    worker: FakeUser, round_id: int, district: str = "Gilly", idea: str = "Story hours"
) -> str:
    """A whole assisted interview; returns the receipt code shown at the end."""
    await begin(worker, round_id)
    await worker.press(district)
    await worker.send(idea)
    await worker.press("✅ Send my answers")
    found = re.search(RECEIPT, worker.last_text)
    assert found, worker.last_text
    return found.group(1) + found.group(2)


async def test_an_assisted_interview_is_a_separate_flagged_response(
    staff_bot: Running, worker: FakeUser, staff: FakeUser
) -> None:
    """The worker confirms the resident agreed, answers in the chosen language, sends, and gets a receipt;
    the response has its own respondent without a contact, is flagged assisted, carries the worker's link
    and the notice version agreed to, and shows up as assisted in the figures and the export."""
    round_id = await library_round(staff_bot)
    code = link_code((await worker.send_command("mylink", str(round_id)))[0].content)
    await worker.send_command("assist", str(round_id))
    assert worker.last_text == "Assisted interview. In which language should the questions be asked?"
    assert worker.buttons() == [["Français", "English"], ["العربية"]]
    replies = await worker.press("English")
    assert replies[-2].content.startswith("Before you start: what happens with your answers")
    assert "You answer with the help of a community worker" in replies[-2].content
    assert worker.last_text == "Read this to the resident, or let them read it. Confirm only if they agree."
    replies = await worker.press("✅ The resident agrees")
    assert replies[-1].content.startswith("Question 1 of 2\n\nWhere do you live?")
    await worker.press("Gilly")
    await worker.send("Story hours")
    replies = await worker.press("✅ Send my answers")
    receipt = replies[-1].content
    assert replies[-2].content == "Thank you!"
    assert receipt.startswith("Receipt code for the resident: ")
    shown = receipt.split(": ", 1)[1].split("\n", 1)[0]
    assert len(shown) == 9 and shown[4] == "-" and set(shown.replace("-", "")) <= set(RECEIPT_ALPHABET)

    [(response, contact)] = await responses(staff_bot)
    assert contact is None and response.assisted and response.assisted_by is None
    assert response.status is ResponseStatus.COMPLETED and response.source == code
    assert response.assisted_consent_version == PRIVACY_NOTICE_VERSION and response.language == "en"
    assert response.receipt_hash == receipt_hash(b"test-pseudonym-key", shown)
    assert shown.replace("-", "") not in repr(response.__dict__)  # only the keyed hash is stored

    stats = (await staff.send_command("stats", str(round_id)))[0].content
    assert "Assisted interviews\n  • with a community worker: <3\n  • on their own: <3" in stats
    await staff.send_command("export", f"{round_id} csv")
    document = staff.last_message.document
    assert document is not None and document.content is not None
    [row] = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert (row["assisted"], row["source"], row["district"]) == ("1", "Maison de quartier", "gilly")
    async with staff_bot.session() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions == ["assist.start", "export"]


async def test_the_worker_cannot_open_the_answers_again(staff_bot: Running, worker: FakeUser) -> None:
    """After Submit, old buttons and the round's link lead to the worker's own answering, not to the
    resident's answers; /mydata does not hold them."""
    round_id = await library_round(staff_bot)
    await begin(worker, round_id)
    await worker.press("Jumet")
    await worker.send("More books")
    await worker.press("✅ Send my answers")
    receipt = worker.last_message  # the interview's own messages are deleted: nothing left to press
    for data in (AnswerCb(r=round_id, q=0, c=1).pack(), NavCb(r=round_id, q=REVIEW, a="submit").pack()):
        replies = await worker.press_data(data, receipt)  # a button of the interview, pressed late
        assert "Jumet" not in "".join(r.content for r in replies)
    replies = await worker.start("library")
    assert replies[-1].content.startswith("Bibliothèques 2027\n\nBefore you start")  # their own notice
    replies = await worker.send_command("mydata")
    assert "More books" not in "".join(r.content for r in replies)
    assert len(await responses(staff_bot)) == 1
    async with staff_bot.session() as session:
        stored: dict[str, object] = dict(
            (await session.execute(select(Answer.question_id, Answer.value))).all()
        )
    assert stored == {"district": "jumet", "idea": "More books"}


async def test_menus_stay_in_the_workers_language_and_their_own_response_is_untouched(
    staff_bot: Running, tg: FakeTelegram
) -> None:
    """A French-speaking worker interviews in Arabic: questions in Arabic, the bot's words in French. Their
    own half-answered response stays as it was, and they go on with it afterwards."""

    worker = tg.user(user_id=WORKER_ID, first_name="Wendy", language_code="fr")
    await grant(staff_bot, worker, Role.WORKER, "Lire et Écrire")
    round_id = await library_round(staff_bot)
    await worker.start("library")
    await worker.press("Oui, je suis d'accord")
    await worker.press("Jumet")  # their own answer; they stop at the idea
    await worker.send_command("assist", str(round_id))
    await worker.press("العربية")
    replies = await worker.press("✅ La personne accepte")
    question = replies[-1].content
    assert question.startswith("Question 1 sur 2\n\nأين تسكن؟"), question
    await worker.press("Gilly")
    await worker.send("مكتبة أكبر")  # typed: goes to the interview, not to their own response
    await worker.press("✅ Envoyer mes réponses")
    assert worker.last_text.startswith("Code de reçu pour la personne")
    rows = await responses(staff_bot)
    own = [r for r, contact in rows if contact is not None]
    assisted = [r for r, contact in rows if contact is None]
    assert own[0].status is ResponseStatus.IN_PROGRESS and assisted[0].language == "ar"
    async with staff_bot.session() as session:
        answers = (await session.execute(select(Answer.response_id, Answer.question_id, Answer.value))).all()
    assert sorted((r, q, v) for r, q, v in answers) == sorted(
        [
            (own[0].id, "district", "jumet"),
            (assisted[0].id, "district", "gilly"),
            (assisted[0].id, "idea", "مكتبة أكبر"),
        ]
    )
    await worker.send("Ouvrir le dimanche")  # now their own again
    assert worker.last_text.startswith("Vérifiez vos réponses")
    assert await staff_bot.answers_of(WORKER_ID, round_id) == {
        "district": "jumet",
        "idea": "Ouvrir le dimanche",
    }


async def test_several_interviews_in_a_row_and_an_abandoned_one(staff_bot: Running, worker: FakeUser) -> None:
    """/assist again starts another interview; one left unfinished must be finished or abandoned first,
    and abandoning deletes it."""
    round_id = await library_round(staff_bot)
    first = await interview(worker, round_id)
    second = await interview(worker, round_id, district="Jumet")
    assert first != second
    await begin(worker, round_id)
    await worker.press("Jumet")
    await worker.send_command("assist", str(round_id))
    assert (
        worker.last_text == "You are in the middle of an assisted interview. Finish it first, or abandon it."
    )
    replies = await worker.press("▶️ Continue the interview")
    assert replies[-1].content.startswith("Question 2 of 2")
    await worker.send_command("assist")
    await worker.press("🗑 Abandon it (its answers are deleted)")
    assert worker.last_text == "The unfinished interview was deleted. Send /assist to start another."
    rows = await responses(staff_bot)
    assert [(r.assisted, r.status) for r, _c in rows] == [(True, ResponseStatus.COMPLETED)] * 2


async def test_a_resident_who_said_no_and_a_closed_round(staff_bot: Running, worker: FakeUser) -> None:
    """Cancel stores nothing; a closed round takes no interview; residents and staff have no /assist."""
    round_id = await library_round(staff_bot)
    await worker.send_command("assist", str(round_id))
    await worker.press("English")
    await worker.press("Cancel")
    assert worker.last_text == "Nothing was stored. Send /assist to start again."
    async with staff_bot.services() as services:
        await services.rounds.close(round_id)
    await worker.send_command("assist", str(round_id))
    await worker.press("English")
    await worker.press("✅ The resident agrees")
    assert worker.last_text.startswith("This round is closed")
    assert await responses(staff_bot) == []
    await worker.send_command("assist")
    assert worker.last_text == "There is no consultation open right now."


async def test_forget_receipt_deletes_the_interview(
    staff_bot: Running,
    worker: FakeUser,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`consultbot forget-receipt CODE` (any case, with or without the dash) deletes the response and its
    answers and audits it; the same code again, or a wrong one, exits 1."""
    round_id = await library_round(staff_bot)
    receipt = await interview(worker, round_id)
    kept = await interview(worker, round_id, district="Jumet")
    monkeypatch.setenv("DATABASE_URL", staff_bot.app.ctx.settings.database_url)
    monkeypatch.setenv("PSEUDONYM_KEY", "test-pseudonym-key")
    assert await asyncio.to_thread(cli, ["forget-receipt", f"{receipt[:4].lower()}-{receipt[4:]}"]) == 0
    assert capsys.readouterr().out == f"deleted the assisted interview's answers (round {round_id})\n"
    rows = await responses(staff_bot)
    assert len(rows) == 1 and rows[0][0].receipt_hash == receipt_hash(b"test-pseudonym-key", kept)
    async with staff_bot.session() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == 2
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "receipt.forget"))
    assert entry is not None and (entry.actor, entry.target) == ("cli", f"round:{round_id}")
    assert await asyncio.to_thread(cli, ["forget-receipt", receipt]) == 1
    assert "no answers have this receipt code" in capsys.readouterr().err


async def test_only_workers_have_assist(staff_bot: Running, staff: FakeUser, tg: FakeTelegram) -> None:
    """Staff and residents get the unknown-command reply."""
    await library_round(staff_bot)
    resident = tg.user(user_id=7_700_000_210, first_name="Rita", language_code="en")
    assert (await resident.send_command("assist"))[0].content == UNKNOWN_COMMAND
    assert (await staff.send_command("assist"))[0].content == UNKNOWN_COMMAND


async def test_language_during_an_interview_changes_the_workers_menus_not_the_interview(
    staff_bot: Running, tg: FakeTelegram
) -> None:
    """/language is the worker's own: mid-interview their menus switch, the questions stay in the language
    the resident chose, and the interview's response keeps it."""
    worker = tg.user(user_id=WORKER_ID, first_name="Wendy", language_code="fr")
    await grant(staff_bot, worker, Role.WORKER, "Lire et Écrire")
    round_id = await library_round(staff_bot)
    await worker.send_command("assist", str(round_id))
    await worker.press("العربية")
    await worker.press("✅ La personne accepte")
    await worker.send_command("language")
    replies = await worker.press("English")

    assert replies[0].content == "From now on I will write to you in English."
    assert replies[-1].content.startswith("Question 1 of 2\n\nأين تسكن؟"), replies[-1].content
    rows = await responses(staff_bot)
    assert [r.language for r, _contact in rows] == ["ar"]


async def test_the_interview_leaves_the_workers_chat_once_sent(
    staff_bot: Running, worker: FakeUser, tg: FakeTelegram
) -> None:
    """Once sent, the interview's questions, the answers typed or ticked under them and the review are
    deleted from the worker's chat: the resident's answers do not stay on the worker's phone. What came
    before (the notice read to the resident) and the receipt stay."""
    round_id = await library_round(staff_bot)
    await begin(worker, round_id)
    first = worker.last_message.message_id  # the interview's first question
    await worker.press("Gilly")
    await worker.send("Story hours")
    typed = worker.sent_messages[-1]["message_id"]
    review = worker.last_message.message_id
    await worker.press("✅ Send my answers")
    texts = "\n".join(worker.all_texts())
    assert "Gilly" not in texts and "Story hours" not in texts
    assert "Read this to the resident" in texts
    assert re.search(RECEIPT, worker.last_text)
    deleted = {message_id for chat_id, message_id in tg.deleted if chat_id == worker.chat_id}
    assert {first, typed, review} <= deleted
    assert len(tg.calls("deleteMessages")) == 1


async def test_an_abandoned_interview_leaves_the_workers_chat(
    staff_bot: Running, worker: FakeUser, tg: FakeTelegram
) -> None:
    """Abandoned, the interview goes from the chat as from the database; when Telegram refuses (messages
    older than it lets a bot delete), the worker is asked to delete them."""
    round_id = await library_round(staff_bot)
    await begin(worker, round_id)
    await worker.press("Jumet")
    await worker.send_command("assist")
    await worker.press("🗑 Abandon it (its answers are deleted)")
    assert "Jumet" not in "\n".join(worker.all_texts())
    assert worker.last_text == "The unfinished interview was deleted. Send /assist to start another."

    await begin(worker, round_id)
    await worker.press("Gilly")
    await worker.send("Story hours")
    tg.fail("deleteMessages", status=400, description="Bad Request: message can't be deleted for everyone")
    replies = await worker.press("✅ Send my answers")
    assert [r.content for r in replies][-3] == (
        "Some messages of the interview could not be removed from this chat: please delete them yourself."
    )
    assert re.search(RECEIPT, worker.last_text)
    assert replies[-1].content.endswith("✓ Sent")  # the review the worker is asked to delete
    rows = await responses(staff_bot)
    assert [(r.assisted, r.status) for r, _c in rows] == [(True, ResponseStatus.COMPLETED)]
