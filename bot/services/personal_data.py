"""A resident's own data: everything stored about them (/mydata), and forgetting them (/forget).

Forgetting deletes the contact record, consents, conversation state, every response still in progress
with its answers, and every voice recording. Completed responses stay in the consultation's results, but
nothing links them to the person any more: their respondent loses its contact (the privacy notice says so).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Answer,
    Consent,
    Contact,
    Link,
    OutboxJob,
    OutboxMessage,
    Respondent,
    Response,
    ResponseStatus,
    ResultsLink,
    Round,
    StaffRole,
    SurveyVersion,
)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class PersonalData:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def export(self, contact: Contact) -> dict[str, Any]:
        """Everything consultbot keeps about this person, as plain JSON-able data."""
        consents = (
            await self._session.scalars(
                select(Consent).where(Consent.contact_id == contact.id).order_by(Consent.id)
            )
        ).all()
        rows = (
            await self._session.execute(
                select(Response, Round.title, Round.payload, SurveyVersion.slug, SurveyVersion.version)
                .join(Respondent, Respondent.id == Response.respondent_id)
                .join(Round, Round.id == Response.round_id)
                .join(SurveyVersion, SurveyVersion.id == Round.survey_id)
                .where(Respondent.contact_id == contact.id)
                .order_by(Response.id)
            )
        ).all()
        response_ids = [row[0].id for row in rows]
        answers: dict[int, dict[str, Any]] = {rid: {} for rid in response_ids}
        if response_ids:
            for answer in await self._session.scalars(
                select(Answer).where(Answer.response_id.in_(response_ids)).order_by(Answer.id)
            ):
                entry: dict[str, Any] = {"value": answer.value}
                if answer.other_text is not None:
                    entry["other"] = answer.other_text
                answers[answer.response_id][answer.question_id] = entry
        return {
            "contact": {
                "telegram_user_id": contact.telegram_id,
                "chat_id": contact.chat_id,
                "language": contact.language,
                "first_contact": _when(contact.created_at),
                "name": contact.display_name,
                "blocked_the_bot_since": _when(contact.unreachable_since),
                "asked_about_notifications_at": _when(contact.notifications_asked_at),
            },
            **await self._around(contact),
            "consents": [
                {
                    "kind": consent.kind.value,
                    "version": consent.version,
                    "language": consent.language,
                    "given_at": _when(consent.given_at),
                    "withdrawn_at": _when(consent.withdrawn_at),
                }
                for consent in consents
            ],
            "responses": [
                {
                    "survey": slug,
                    "survey_version": version,
                    "round": payload,
                    "round_title": title,
                    "status": response.status.value,
                    "language": response.language,
                    "started_at": _when(response.started_at),
                    "completed_at": _when(response.completed_at),
                    "answers": answers[response.id],
                }
                for response, title, payload, slug, version in rows
            ],
        }

    async def _around(self, contact: Contact) -> dict[str, Any]:
        """What else is kept because of this person: a role, their own survey links, the rounds whose
        results they asked for, and the messages the City sent them."""
        role = await self._session.get(StaffRole, contact.id)
        links = (
            await self._session.execute(
                select(Link.code, Link.label, Round.title, Link.created_at, Link.revoked_at)
                .join(Round, Round.id == Link.round_id)
                .where(Link.owner_contact_id == contact.id)
                .order_by(Link.created_at)
            )
        ).all()
        results = (
            await self._session.execute(
                select(Round.title, Round.payload, ResultsLink.created_at)
                .join(Round, Round.id == ResultsLink.round_id)
                .where(ResultsLink.contact_id == contact.id)
                .order_by(ResultsLink.created_at)
            )
        ).all()
        messages = (
            await self._session.execute(
                select(OutboxJob.kind, Round.title, OutboxMessage.status, OutboxMessage.sent_at)
                .join(OutboxJob, OutboxJob.id == OutboxMessage.job_id)
                .outerjoin(Round, Round.id == OutboxJob.round_id)
                .where(OutboxMessage.contact_id == contact.id)
                .order_by(OutboxMessage.id)
            )
        ).all()
        return {
            "role": (
                {
                    "role": role.role.value,
                    "organisation": role.organisation,
                    "granted_at": _when(role.granted_at),
                }
                if role is not None
                else None
            ),
            "own_survey_links": [
                {
                    "code": code,
                    "label": label,
                    "round_title": title,
                    "created_at": _when(created),
                    "withdrawn_at": _when(revoked),
                }
                for code, label, title, created, revoked in links
            ],
            "results_asked_for": [
                {"round": payload, "round_title": title, "asked_at": _when(asked)}
                for title, payload, asked in results
            ],
            "messages_from_the_city": [
                {"kind": kind.value, "round_title": title, "status": status.value, "sent_at": _when(sent)}
                for kind, title, status, sent in messages
            ],
        }

    async def forget(self, contact: Contact) -> None:
        in_progress = select(Response.respondent_id).where(
            Response.status == ResponseStatus.IN_PROGRESS,
            Response.respondent_id.in_(select(Respondent.id).where(Respondent.contact_id == contact.id)),
        )
        await self._session.execute(
            delete(Respondent)
            .where(Respondent.id.in_(in_progress))
            .execution_options(synchronize_session=False)
        )
        # A voice is the person: recordings go even from the answers that stay in the results.
        voices = await self._session.execute(
            select(Answer.id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(Respondent.contact_id == contact.id)
        )
        recorded = [answer_id for answer_id, value in voices if isinstance(value, dict) and "voice" in value]
        if recorded:
            await self._session.execute(delete(Answer).where(Answer.id.in_(recorded)))
        await self._session.execute(
            update(Respondent).where(Respondent.contact_id == contact.id).values(contact_id=None)
        )
        await self._session.execute(delete(Consent).where(Consent.contact_id == contact.id))
        await self._session.delete(contact)
        await self._session.flush()
