"""/audit: the latest entries of the audit log (admins)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.context import AppContext
from bot.db.models import AuditEntry, Role
from bot.services.container import Services
from handlers.staff.common import city_time
from handlers.staff.gate import needs
from handlers.textsplit import split_text

DEFAULT_COUNT = 20
MAX_COUNT = 200


def entry_line(entry: AuditEntry, ctx: AppContext) -> str:
    who = entry.actor or "-"
    if entry.actor_role:
        who += f" ({entry.actor_role})"
    line = f"{city_time(entry.at, ctx)} {who} {entry.action}"
    if entry.target:
        line += f" {entry.target}"
    if entry.detail:
        line += " " + ", ".join(f"{k}={v}" for k, v in entry.detail.items() if v is not None)
    return line


async def on_audit(message: Message, command: CommandObject, services: Services, ctx: AppContext) -> None:
    args = (command.args or "").strip()
    count = min(int(args), MAX_COUNT) if args.isdigit() and int(args) > 0 else DEFAULT_COUNT
    entries = await services.audit.latest(count)
    if not entries:
        await message.answer(_("The audit log is empty."))
        return
    lines = [
        ngettext(
            "The latest staff action (people appear by actor id):",
            "The latest {n} staff actions, newest first (people appear by actor id):",
            len(entries),
        ).format(n=len(entries))
    ]
    lines += [entry_line(entry, ctx) for entry in entries]
    for chunk in split_text("\n".join(lines)):
        await message.answer(chunk)


def build_router() -> Router:
    router = Router(name="staff-audit")
    router.message.register(on_audit, Command("audit"), flags=needs(Role.ADMIN))
    return router
