"""The staff's commands, in Telegram. Every handler but the invitation link sits behind one role gate."""

from __future__ import annotations

from aiogram import Router

from handlers.staff import (
    audit,
    broadcasts,
    exports,
    invitations,
    newround,
    roles,
    rounds,
    stats,
    surveys,
    voices,
    watch,
)
from handlers.staff.gate import RoleGate


def build_routers() -> list[Router]:
    """The invitation router (open to anyone holding a link), then the gated staff router."""
    gated = Router(name="staff")
    gate = RoleGate()
    gated.message.middleware(gate)
    gated.callback_query.middleware(gate)
    gated.include_routers(
        broadcasts.build_router(),  # first: while staff write results, their chart or document is theirs
        roles.build_router(),
        surveys.build_router(),
        newround.build_router(),
        rounds.build_router(),
        stats.build_router(),
        exports.build_router(),
        voices.build_router(),
        audit.build_router(),
    )
    gated.startup.register(watch.on_startup)
    gated.shutdown.register(watch.on_shutdown)
    return [invitations.build_router(), gated]
