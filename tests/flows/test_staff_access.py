"""Who may use which staff command: the role × command matrix, refused attempts, failing lookups."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, Role
from bot.services.roles import RoleService
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.conftest import ADMIN_ID, RESIDENT_ID, STAFF_ID, UNKNOWN_COMMAND, WORKER_ID, grant
from tests.harness import Running

ADMIN_COMMANDS = ("invite", "grant", "revoke", "roles", "audit")
STAFF_COMMANDS = ("surveys", "newround", "rounds", "round", "stats", "export", "voices", "close", "reopen")
ALLOWED = {
    "resident": set(),
    "worker": set(),
    "staff": set(STAFF_COMMANDS),
    "admin": set(STAFF_COMMANDS) | set(ADMIN_COMMANDS),
}


async def audit_entries(bot: Running) -> list[AuditEntry]:
    async with bot.session() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.fixture(params=["resident", "worker", "staff", "admin"])
async def member(
    request: pytest.FixtureRequest, staff_bot: Running, tg: FakeTelegram
) -> tuple[str, FakeUser]:
    """A person of each role (the resident has never written to the bot)."""
    role = str(request.param)
    ids = {"resident": RESIDENT_ID, "worker": WORKER_ID, "staff": STAFF_ID, "admin": ADMIN_ID}
    user = tg.user(user_id=ids[role], first_name=role.title(), language_code="en")
    if role in {"worker", "staff"}:
        await grant(staff_bot, user, Role(role), organisation="Asbl" if role == "worker" else None)
    return role, user


@pytest.mark.parametrize("command", ADMIN_COMMANDS + STAFF_COMMANDS)
async def test_role_command_matrix(staff_bot: Running, member: tuple[str, FakeUser], command: str) -> None:
    """Each role may use exactly its commands; anyone else gets the unknown-command reply (the staff
    surface is not revealed) and the attempt is audited without a Telegram id."""
    await staff_bot.open_round(payload="learning")
    role, user = member
    replies = await user.send_command(command)
    texts = [reply.content for reply in replies]
    denied = [e for e in await audit_entries(staff_bot) if e.action == "denied"]
    if command in ALLOWED[role]:
        assert texts and UNKNOWN_COMMAND not in texts
        assert denied == []
    else:
        assert texts == [UNKNOWN_COMMAND]
        assert [(e.target, e.detail) for e in denied] == [
            (f"/{command}", {"needs": "admin" if command in ADMIN_COMMANDS else "staff"})
        ]
        assert str(user.user_id) not in repr([(e.actor, e.target, e.detail) for e in denied])


async def test_failing_role_lookup_refuses_access(
    staff_bot: Running, admin: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the roles cannot be read, even an admin is refused (as an unknown command), nothing runs."""

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(RoleService, "access", broken)
    replies = await admin.send_command("rounds")
    assert [r.content for r in replies] == [UNKNOWN_COMMAND]


async def test_staff_button_pressed_by_a_resident_does_nothing(
    staff_bot: Running, staff: FakeUser, someone: FakeUser
) -> None:
    """Forged staff buttons are refused like any stale button, and audited."""
    rnd = await staff_bot.open_round(payload="learning")
    await someone.start()
    await someone.press_data(f"sr:close:{rnd.id}")
    assert "no longer works" in list(staff_bot.tg.callback_answers.values())[-1]["text"]
    async with staff_bot.services() as services:
        assert (await services.rounds.get(rnd.id)).closed_at is None  # type: ignore[union-attr]
    assert [e.target for e in await audit_entries(staff_bot)] == ["button:sr"]


async def test_admin_ids_admin_gets_a_contact_on_first_command(staff_bot: Running, admin: FakeUser) -> None:
    """A configured admin is an admin from their first message; a contact is made for them then."""
    await admin.send_command("roles")
    assert admin.last_text.splitlines()[1].endswith("admin · ADMIN_IDS")
    async with staff_bot.services() as services:
        assert await services.roles.by_telegram_id(admin.user_id) is not None
