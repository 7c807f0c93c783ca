"""The services of one unit of work (one update, one CLI command), sharing one database session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import snapshot_options
from bot.delivery import database_unavailable
from bot.errors import ReadLater
from bot.services.answering import SurveyRunner
from bot.services.assisted import AssistedService
from bot.services.audit import AuditLog
from bot.services.contacts import ContactService
from bot.services.exports import ExportService
from bot.services.invitations import InvitationService
from bot.services.links import LinkService
from bot.services.notifications import NotificationService
from bot.services.outbox import Outbox
from bot.services.personal_data import PersonalData
from bot.services.privacy import PrivacyService
from bot.services.retention import Retention
from bot.services.roles import RoleService
from bot.services.round_admin import RoundAdmin
from bot.services.rounds import RoundService
from bot.services.stats import StatsService
from bot.services.surveys import SurveyStore
from bot.services.updates import ProcessedUpdates
from bot.services.voices import VoiceRecordings

if TYPE_CHECKING:
    from bot.context import AppContext


class Services:
    def __init__(self, session: AsyncSession, ctx: AppContext) -> None:
        self.session = session
        self.ctx = ctx

    @asynccontextmanager
    async def snapshot(self, *, commit_first: bool = True) -> AsyncIterator[Services]:
        """Services over a transaction of their own that only reads, from one snapshot, on a connection
        for long reads (`AppContext.readers`): for an export. What this unit of work has written so far is
        committed first: on SQLite its transaction holds the write lock and the connection every
        resident's answer needs, and would hold them throughout. The rest of the unit of work commits as
        usual. (`commit_first=False`: a unit of work that has not begun, in a `sessions.begin()` block.)

        Since the update is then recorded as processed, a database failure during the read is not left
        for a second delivery of the update (which would be skipped): it is ReadLater, said to the
        person."""
        if commit_first:
            await self.session.commit()
        try:
            async with self.ctx.readers() as session:
                await session.connection(execution_options=snapshot_options(self.ctx.engine.dialect.name))
                yield Services(session, self.ctx)
        except Exception as exc:
            if database_unavailable(exc):
                raise ReadLater() from exc
            raise

    @cached_property
    def contacts(self) -> ContactService:
        return ContactService(self.session, self.ctx.clock)

    @cached_property
    def retention(self) -> Retention:
        return Retention(self.session, self.ctx.clock, self.ctx.settings.retention_days, self.notifications)

    @cached_property
    def voices(self) -> VoiceRecordings:
        return VoiceRecordings(self.session, self.ctx.pseudonym_key)

    @cached_property
    def personal_data(self) -> PersonalData:
        return PersonalData(self.session)

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

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self.session, self.ctx.clock)

    @cached_property
    def roles(self) -> RoleService:
        return RoleService(self.session, self.ctx.clock, self.ctx.settings.admin_ids)

    @cached_property
    def invitations(self) -> InvitationService:
        return InvitationService(self.session, self.ctx.clock, self.roles)

    @cached_property
    def round_admin(self) -> RoundAdmin:
        return RoundAdmin(self.session, self.ctx.clock, self.audit)

    @cached_property
    def stats(self) -> StatsService:
        return StatsService(self.session, self.surveys, self.ctx.settings.small_count_threshold)

    @cached_property
    def exports(self) -> ExportService:
        ctx = self.ctx  # the catalogs (and aiogram under them) load only if an export needs labels
        return ExportService(
            self.session,
            self.stats,
            ctx.pseudonym_key,
            ctx.settings.tz,
            ctx.clock,
            translate=lambda message, language: str(ctx.catalogs.gettext(message, locale=language)),
        )

    @cached_property
    def links(self) -> LinkService:
        return LinkService(self.session, self.ctx.clock)

    @cached_property
    def assisted(self) -> AssistedService:
        return AssistedService(self.session, self.ctx.clock, self.ctx.pseudonym_key, self.runner, self.links)

    @cached_property
    def notifications(self) -> NotificationService:
        return NotificationService(self.session, self.ctx.clock)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.session, self.ctx.clock, self.ctx.settings.broadcast_approval_over)

    @cached_property
    def processed_updates(self) -> ProcessedUpdates:
        return ProcessedUpdates(self.session, self.ctx.clock)
