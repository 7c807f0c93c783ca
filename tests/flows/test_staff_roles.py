"""Roles: invitations, /grant, /revoke, /roles, and the command menus that follow them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry, Role, StaffRole
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.conftest import STAFF_ID, UNKNOWN_COMMAND, grant
from tests.harness import Running


def invitation_code(text: str) -> str:
    found = re.search(r"\?start=(i-[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


async def actions(bot: Running) -> list[str]:
    async with bot.session() as session:
        return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_invitation_makes_a_staff_member_and_tells_the_admin(
    staff_bot: Running, admin: FakeUser, tg: FakeTelegram
) -> None:
    """/invite staff gives a single-use link; whoever opens it is staff, and the admin is told."""
    await admin.send_command("invite", "staff")
    code = invitation_code(admin.last_text)
    colleague = tg.user(user_id=STAFF_ID, first_name="Samir", language_code="en")
    await colleague.start(code)
    assert colleague.last_text.startswith("Welcome! You are now staff.")
    assert admin.last_text == "Samir opened your invitation and is now staff."
    replies = await colleague.send_command("rounds")
    assert replies[0].content != UNKNOWN_COMMAND
    assert {"reopen", "broadcasts"} <= {c["command"] for c in tg.commands[(f"chat:{STAFF_ID}", "en")]}
    assert await actions(staff_bot) == ["invite", "invitation.accepted"]


async def test_invitation_works_once_and_expires(
    staff_bot: Running, admin: FakeUser, tg: FakeTelegram
) -> None:
    """A used link gives nothing to the next person; an unused one expires after 7 days."""
    await admin.send_command("invite", "staff")
    used = invitation_code(admin.last_text)
    await admin.send_command("invite", "staff")
    late = invitation_code(admin.last_text)
    first = tg.user(user_id=7_700_000_095, first_name="Ana", language_code="en")
    second = tg.user(user_id=7_700_000_096, first_name="Bob", language_code="en")
    await first.start(used)
    await second.start(used)
    assert "no longer works" in second.last_text
    staff_bot.clock.advance(timedelta(days=7, seconds=1))
    await second.start(late)
    assert "no longer works" in second.last_text
    assert (await second.send_command("rounds"))[0].content == UNKNOWN_COMMAND


async def test_worker_invitation_asks_for_the_organisation(
    staff_bot: Running, admin: FakeUser, tg: FakeTelegram
) -> None:
    """/invite alone offers buttons; a worker's organisation is asked for and kept with the role."""
    await admin.send_command("invite")
    assert admin.buttons() == [["Staff member", "Community worker"]]
    await admin.press("Community worker")
    await admin.send("Maison de quartier de Jumet")
    code = invitation_code(admin.last_text)
    helper = tg.user(user_id=7_700_000_097, first_name="Wendy", language_code="en")
    await helper.start(code)
    async with staff_bot.session() as session:
        row = await session.scalar(select(StaffRole))
        assert row is not None and (row.role, row.organisation) == (
            Role.WORKER,
            "Maison de quartier de Jumet",
        )


async def test_grant_asks_for_the_role_with_buttons(
    staff_bot: Running, admin: FakeUser, tg: FakeTelegram
) -> None:
    """/grant without an id gives its usage; with an id only, role buttons; then the menu is set."""
    await admin.send_command("grant")
    assert admin.last_text.startswith("Usage: /grant <telegram id>")
    await admin.send_command("grant", str(STAFF_ID))
    await admin.press("staff")
    assert admin.last_text.startswith("Done: person ")
    assert (f"chat:{STAFF_ID}", "en") in tg.commands
    assert "grant" in await actions(staff_bot)


async def test_revoke_picks_from_the_list_and_resets_the_menu(
    staff_bot: Running, admin: FakeUser, staff: FakeUser, tg: FakeTelegram
) -> None:
    """/revoke lists people with roles; picking one takes the role away and removes their menu."""
    await admin.send_command("grant", f"{STAFF_ID} staff")
    assert (f"chat:{STAFF_ID}", "en") in tg.commands
    await admin.send_command("revoke")
    await admin.press("Samir — staff")
    assert admin.last_text == "Done: Samir no longer has a role."
    assert (f"chat:{STAFF_ID}", "en") not in tg.commands
    assert (await staff.send_command("rounds"))[0].content == UNKNOWN_COMMAND


async def test_configured_admins_cannot_be_revoked(staff_bot: Running, admin: FakeUser) -> None:
    """ADMIN_IDS belong to the configuration: /revoke says so instead of acting."""
    await admin.send_command("revoke")
    [[configured]] = admin.buttons()
    assert configured == "Anne Admin — admin · ADMIN_IDS"  # admins' names are remembered, on the contact
    await admin.press(configured)
    assert "ADMIN_IDS" in admin.last_text
    async with staff_bot.services() as services:
        holders = await services.roles.holders()
    assert [h.configured for h in holders] == [True]


async def test_staff_cannot_manage_roles(staff_bot: Running, staff: FakeUser, worker: FakeUser) -> None:
    """Roles are an admin's business: staff get the unknown-command reply."""
    assert (await staff.send_command("invite", "staff"))[0].content == UNKNOWN_COMMAND
    await grant(staff_bot, worker, Role.WORKER, organisation="Asbl")
    assert (await worker.send_command("revoke"))[0].content == UNKNOWN_COMMAND


async def test_an_admin_opening_an_invitation_keeps_their_role(staff_bot: Running, admin: FakeUser) -> None:
    """An invitation never lowers an admin's role; it stays unused for the colleague it was meant for."""
    await admin.send_command("invite", "staff")
    code = invitation_code(admin.last_text)
    await admin.start(code)
    assert admin.last_text == "You are already an admin: this invitation was left unused for someone else."
    async with staff_bot.session() as session:
        assert await session.scalar(select(StaffRole)) is None
