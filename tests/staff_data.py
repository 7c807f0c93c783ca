"""Test data for staff features: responses written straight into the database, with fixed ids and times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.db.models import Answer, Respondent, Response, ResponseStatus
from bot.services.container import Services


async def add_response(
    services: Services,
    round_id: int,
    respondent_id: str,
    *,
    started: datetime,
    minutes: float | None = 10,
    language: str = "fr",
    source: str | None = None,
    answers: dict[str, Any] | None = None,
    current: str | None = None,
) -> Response:
    """A response; `minutes=None` leaves it in progress (stopped at `current`). An answer given as a
    (value, text) tuple carries an `other` text."""
    completed = started + timedelta(minutes=minutes) if minutes is not None else None
    services.session.add(Respondent(id=respondent_id, contact_id=None, round_id=round_id, created_at=started))
    response = Response(
        round_id=round_id,
        respondent_id=respondent_id,
        language=language,
        status=ResponseStatus.COMPLETED if completed else ResponseStatus.IN_PROGRESS,
        started_at=started,
        completed_at=completed,
        updated_at=completed or started,
        source=source,
        current_question=current,
        revision=1,
    )
    services.session.add(response)
    await services.session.flush()
    for question_id, given in (answers or {}).items():
        value, other = given if isinstance(given, tuple) else (given, None)
        services.session.add(
            Answer(
                response_id=response.id,
                question_id=question_id,
                value=value,
                other_text=other,
                answered_at=started,
            )
        )
    await services.session.flush()
    return response
