"""One webhook delivery in progress: whether Telegram should deliver the update again.

When an update fails because the database cannot be reached, nothing of it was saved; in webhook mode the
error router sets `redeliver` instead of replying, and the webhook answers 500 so Telegram delivers the
update again later (it then finds the database back and the resident gets their answer, once). With long
polling there is no second delivery: the resident is asked to try again.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Delivery:
    redeliver: bool = False


current_delivery: ContextVar[Delivery | None] = ContextVar("consultbot_delivery", default=None)


def database_unavailable(exc: BaseException) -> bool:
    """A failure of the database connection (not of our SQL): trying the same update later can work."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
