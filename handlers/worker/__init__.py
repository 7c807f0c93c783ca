"""Community workers' commands (/mylink, /mystats, /assist) and staff's survey links (/link, /links),
behind the same role gate as the staff's commands."""

from __future__ import annotations

from aiogram import Router

from handlers.staff.gate import RoleGate
from handlers.worker import assist, campaigns, links, mystats


def build_routers() -> list[Router]:
    gated = Router(name="workers")
    gate = RoleGate()
    gated.message.middleware(gate)
    gated.callback_query.middleware(gate)
    gated.include_routers(
        links.build_router(), mystats.build_router(), assist.build_router(), campaigns.build_router()
    )
    return [gated]
