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
    Respondent,
    Response,
    ResponseStatus,
    Round,
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
            },
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
