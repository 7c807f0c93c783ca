"""The session of the unit of work in progress (one update), for components that aiogram creates once per
process but that must write inside the update's transaction — the SQL FSM storage."""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

current_session: ContextVar[AsyncSession | None] = ContextVar("consultbot_current_session", default=None)
