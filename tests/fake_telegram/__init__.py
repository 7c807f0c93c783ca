"""A fake Telegram Bot API server for driving the real aiogram ``Bot`` over HTTP in tests.

Public API:

* :class:`FakeTelegram` (``server.py``): ``async with FakeTelegram() as tg`` serves
  ``{tg.base_url}/bot{token}/{method}`` and ``/file/bot{token}/{path}``; records ``requests``,
  ``sent``, ``edits``, ``callback_answers``, ``commands``, ``descriptions``; enforces Telegram's
  limits with Telegram's error texts; injects faults (``block``, ``fail``, ``hold``, ``rate_limit``);
  delivers updates (``deliver``/``deliver_raw``) by webhook or to ``getUpdates``.
* :class:`FakeUser`, :class:`FakeGroup`, :class:`FakeChannel` (``user.py``): the other side of
  the chat, from ``tg.user(...)``, ``tg.group(...)``, ``tg.channel(...)``.
* Internals: ``state.py`` (what is remembered), ``api.py`` (messaging methods), ``settings.py``
  (commands, descriptions, files, webhook), ``updates.py`` (getUpdates queue, webhook delivery),
  ``rules.py`` (Telegram's limits and its HTML parser, with Telegram's error texts).
* Records (``models.py``): :class:`Request`, :class:`SentMessage`, :class:`StoredFile`,
  :class:`UploadedFile`, :class:`Edit`, :class:`WebhookDelivery`, :class:`RateLimiter`.
"""

from .models import (
    ApiError,
    Edit,
    RateLimiter,
    Request,
    SentMessage,
    SlidingWindowRateLimiter,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
)
from .server import FakeTelegram
from .state import DEFAULT_TOKEN
from .user import FakeChannel, FakeGroup, FakeUser

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Edit",
    "FakeChannel",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "RateLimiter",
    "Request",
    "SentMessage",
    "SlidingWindowRateLimiter",
    "StoredFile",
    "UploadedFile",
    "WebhookDelivery",
]
