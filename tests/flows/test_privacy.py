"""Privacy by design, checked from the outside: retention cuts the link between a person and a closed
round's answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import select

from bot.db.models import Base, Respondent
from bot.services.exports import ExportFormat
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.journey import PAYLOAD, agree
from tests.harness import Running


async def test_retention_unlinks_people_from_old_rounds(bot: Running, resident: FakeUser) -> None:
    """RETENTION_DAYS after a round closed, its respondents lose their contact; a recent round keeps it."""
    old = await bot.open_round(payload=PAYLOAD)
    recent = await bot.open_round(payload="recent")
    await agree(resident)
    await resident.press("Digital skills: computer, smartphone, online forms")
    await resident.press("Done ✅")
    await resident.start("recent")
    async with bot.services() as services:
        await services.rounds.close(old.id)
    bot.clock.advance(timedelta(days=bot.app.ctx.settings.retention_days - 1))
    async with bot.services() as services:
        assert (await services.retention.purge()).respondents == 0
    bot.clock.advance(timedelta(days=2))
    async with bot.services() as services:
        assert (await services.retention.purge()).respondents == 1
    async with bot.session() as session:
        links = dict((await session.execute(select(Respondent.round_id, Respondent.contact_id))).all())
    assert links[old.id] is None
    assert links[recent.id] is not None
    assert await bot.answers_of(resident.user_id, old.id) == {}
    assert len(await bot.answers(old.id)) == 1


async def test_no_identity_outside_the_contacts_table(
    staff_bot: Running, tg: FakeTelegram, admin: FakeUser, staff: FakeUser, worker: FakeUser, tmp_path: Path
) -> None:
    """Every table but `contacts`, and every export format, is searched for the residents' and staff's
    Telegram ids, usernames and names: none is there."""
    rnd = await staff_bot.open_round(payload=PAYLOAD)
    people = [
        tg.user(
            user_id=7_700_123_456_001,
            first_name="Zénobie",
            last_name="Quartermaine",
            username="zenobie_q",
            language_code="en",
        ),
        tg.user(user_id=7_700_123_456_002, first_name="Ignatius", username="ignatius_r", language_code="fr"),
    ]
    for person in people:
        await person.start(PAYLOAD)
        await person.press(person.buttons()[0][0])
        await person.press(person.buttons()[2][0])
        await person.press(person.buttons()[-1][0])
    await people[0].send_command("language")
    await admin.send_command("roles")
    await staff.send_command("rounds")
    await worker.send_command("mylink")
    secrets = {str(p.user_id) for p in people} | {
        "zenobie_q",
        "ignatius_r",
        "Zénobie",
        "Quartermaine",
        "Ignatius",
    }
    secrets |= {str(u.user_id) for u in (admin, staff, worker)} | {"Anne", "Samir", "Wendy"}
    async with staff_bot.session() as session:
        tables = [t for t in Base.metadata.sorted_tables if t.name != "contacts"]
        rows = [row for table in tables for row in (await session.execute(select(table))).all()]
    dump = "\n".join(repr(row) for row in rows)
    async with staff_bot.services() as services:
        for fmt in ExportFormat:
            exported = await services.exports.export(rnd.id, fmt, tmp_path)
            if fmt is ExportFormat.XLSX:  # a zip: read its cells
                book = openpyxl.load_workbook(exported.path, read_only=True)
                dump += "\n".join(
                    repr(r) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True)
                )
                book.close()
            else:
                dump += "\n" + exported.path.read_text(encoding="utf-8-sig")
    found = sorted(secret for secret in secrets if secret in dump)
    assert found == []
