"""The services of one unit of work (one update, one CLI command), sharing one database session."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.answering import SurveyRunner
from bot.services.contacts import ContactService
from bot.services.privacy import PrivacyService
from bot.services.rounds import RoundService
from bot.services.surveys import SurveyStore

if TYPE_CHECKING:
    from bot.context import AppContext


class Services:
    def __init__(self, session: AsyncSession, ctx: AppContext) -> None:
        self.session = session
        self.ctx = ctx

    @cached_property
    def contacts(self) -> ContactService:
        return ContactService(self.session, self.ctx.clock)

    @cached_property
    def privacy(self) -> PrivacyService:
        return PrivacyService(self.session, self.ctx.clock)

    @cached_property
    def rounds(self) -> RoundService:
        return RoundService(self.session, self.ctx.clock)

    @cached_property
    def surveys(self) -> SurveyStore:
        return SurveyStore(self.session, self.ctx.surveys, self.ctx.clock)

    @cached_property
    def runner(self) -> SurveyRunner:
        tz = self.ctx.settings.tz
        return SurveyRunner(
            self.session,
            self.surveys,
            self.privacy,
            self.ctx.clock,
            today=lambda: self.ctx.clock.now().astimezone(tz).date(),
        )
