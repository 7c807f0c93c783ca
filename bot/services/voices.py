"""Voice messages residents gave as answers: found for staff who need to listen to them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer, Response
from bot.services.export_layout import pseudonym


@dataclass(frozen=True)
class Recording:
    respondent: str  # the export pseudonym, so a recording can be matched with its row in an export
    question_id: str
    file_id: str
    duration: int


class VoiceRecordings:
    def __init__(self, session: AsyncSession, pseudonym_key: bytes) -> None:
        self._session = session
        self._key = pseudonym_key

    async def of_round(self, round_id: int) -> list[Recording]:
        rows = await self._session.execute(
            select(Response.respondent_id, Answer.question_id, Answer.value)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.round_id == round_id)
            .order_by(Response.id, Answer.id)
        )
        recordings = []
        for respondent_id, question_id, value in rows:
            if isinstance(value, dict) and isinstance(value.get("voice"), str):
                recordings.append(
                    Recording(
                        pseudonym(self._key, round_id, respondent_id),
                        question_id,
                        value["voice"],
                        int(value.get("duration", 0)),
                    )
                )
        return recordings
