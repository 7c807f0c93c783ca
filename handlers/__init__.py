"""aiogram routers, by audience. Thin: parse the update, call a service, render the reply."""

from __future__ import annotations

from aiogram import Router

from bot.config import Settings
from handlers import errors, fallback, groups, staff, worker
from handlers.buttons import narrow_buttons
from handlers.resident import common, membership, mydata, notifications, survey


def build_routers(settings: Settings) -> list[Router]:
    """Every router, in the order updates should meet them; the fallback comes last."""
    routers = [
        errors.build_router(),
        # No other router takes the survey's buttons (their callback data's prefixes, handlers/buttons.py;
        # tests/test_buttons.py), so they, most of the traffic, can meet their router first.
        survey.build_button_router(),
        groups.build_router(),
        *staff.build_routers(),
        *worker.build_routers(),
        membership.build_router(),
        common.build_router(),
        mydata.build_router(),
        notifications.build_router(),
        survey.build_router(),
        fallback.build_router(),
    ]
    for router in routers:
        narrow_buttons(router)
    return routers
