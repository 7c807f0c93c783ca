"""Plain data records kept by the fake Telegram Bot API server."""

from __future__ import annotations

import asyncio
import copy
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

JsonDict = dict[str, Any]


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": …, "description": …}``."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonDict:
        """The JSON body Telegram would answer with."""
        result: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            result["parameters"] = self.parameters
        return result


def bad_request(reason: str) -> ApiError:
    """A 400 error whose description is ``"Bad Request: <reason>"``."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass
class UploadedFile:
    """A file uploaded by the bot in a multipart request."""

    filename: str
    content: bytes
    content_type: str | None = None


@dataclass
class StoredFile:
    """A file the fake server knows (sent by a user, uploaded by the bot or added by a test)."""

    file_id: str
    file_unique_id: str
    content: bytes | None
    file_path: str
    filename: str | None = None
    mime_type: str | None = None

    @property
    def file_size(self) -> int:
        """Size in bytes (0 when only the id is known)."""
        return len(self.content) if self.content is not None else 0


@dataclass
class Request:
    """One call of a Bot API method, with decoded parameters and the answer given."""

    method: str
    params: JsonDict
    at: float
    via: str = "http"  # "http" or "webhook-reply" (a method returned in a webhook answer)
    content_type: str = ""  # of an HTTP call's body: "application/json", "multipart/form-data", …
    status: int = 0
    response: JsonDict | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.status == 200


@dataclass
class SentMessage:
    """A message produced by the bot, kept up to date by edits and deletions.

    ``text``/``caption`` hold the text as the resident sees it (HTML/Markdown parsed),
    ``raw`` the string the bot sent, ``entities`` the parsed formatting.
    """

    chat_id: int
    message_id: int
    date: int
    kind: str  # "text", "document", "photo" or "voice"
    text: str | None = None
    caption: str | None = None
    raw: str | None = None
    parse_mode: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    reply_markup: JsonDict | None = None
    file: StoredFile | None = None
    params: JsonDict = field(default_factory=dict)
    deleted: bool = False
    edit_count: int = 0

    @property
    def content(self) -> str:
        """The text or the caption ("" when there is none)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def document(self) -> StoredFile | None:
        """The file if this is a document message."""
        return self.file if self.kind == "document" else None

    @property
    def photo(self) -> StoredFile | None:
        """The file if this is a photo message."""
        return self.file if self.kind == "photo" else None

    @property
    def voice(self) -> StoredFile | None:
        """The file if this is a voice message."""
        return self.file if self.kind == "voice" else None

    @property
    def inline_keyboard(self) -> list[list[JsonDict]]:
        """Rows of inline buttons (empty without an inline keyboard)."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def buttons(self) -> list[list[str]]:
        """Texts of the inline buttons, row by row."""
        return [[str(button.get("text", "")) for button in row] for row in self.inline_keyboard]

    @property
    def keyboard(self) -> list[list[str]]:
        """Texts of a reply keyboard (ReplyKeyboardMarkup), row by row."""
        rows = (self.reply_markup or {}).get("keyboard")
        if not isinstance(rows, list):
            return []
        return [[b.get("text", "") if isinstance(b, dict) else str(b) for b in row] for row in rows]

    def find_button(self, text: str) -> JsonDict | None:
        """The inline button with exactly this text, or None."""
        for row in self.inline_keyboard:
            for button in row:
                if button.get("text") == text:
                    return button
        return None

    def snapshot(self) -> SentMessage:
        """A deep copy, unaffected by later edits."""
        return copy.deepcopy(self)


@dataclass
class Edit:
    """One successful edit of a bot message."""

    method: str
    chat_id: int
    message_id: int
    params: JsonDict
    at: float


@dataclass
class WebhookDelivery:
    """One POST of an update to the bot's webhook and the status it answered."""

    update: JsonDict
    status: int
    at: float


@dataclass
class Hold:
    """A call kept waiting, unanswered, until the test lets it go: a slow Telegram, without sleeping."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class Fault:
    """A scheduled failure (or delay, or hold) for the next ``times`` calls of a method."""

    method: str
    times: int
    status: int | None
    retry_after: int
    delay: float
    description: str | None
    effect_first: bool
    hold: Hold | None = None

    def error(self) -> ApiError | None:
        """The error to answer with, None to answer normally."""
        if self.status is None:
            return None
        if self.status == 429:
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        defaults = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request: fault injected",
        }
        return ApiError(self.status, self.description or defaults.get(self.status, "Injected fault"))


class RateLimiter(Protocol):
    """Extension point: decides whether a send may go through now.

    ``check`` returns None to allow (and count) the call, or the ``retry_after`` seconds to
    answer with a 429.
    """

    def check(self, method: str, chat_id: int | None) -> int | None: ...


class SlidingWindowRateLimiter:
    """Telegram-like limits: ``per_second`` overall, ``per_chat_per_second`` per chat and
    ``per_group_per_minute`` for group chats (negative ids), counted over sliding windows on
    an injectable monotonic ``clock``."""

    def __init__(
        self,
        per_second: int | None = 30,
        per_chat_per_second: int | None = 1,
        per_group_per_minute: int | None = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self.per_group_per_minute = per_group_per_minute
        self.clock = clock
        self._all: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    @staticmethod
    def _wait(window: deque[float], limit: int | None, span: float, now: float) -> float:
        if limit is None:
            return 0.0
        recent = [t for t in window if t > now - span]
        if len(recent) < limit:
            return 0.0
        return recent[-limit] + span - now

    def check(self, method: str, chat_id: int | None) -> int | None:
        """Allow and count the call, or return the seconds to wait."""
        now = self.clock()
        while self._all and self._all[0] <= now - 60:
            self._all.popleft()
        chat_window = self._chats.setdefault(chat_id, deque()) if chat_id is not None else deque()
        while chat_window and chat_window[0] <= now - 60:
            chat_window.popleft()
        waits = [
            self._wait(self._all, self.per_second, 1.0, now),
            self._wait(chat_window, self.per_chat_per_second, 1.0, now) if chat_id is not None else 0.0,
        ]
        if chat_id is not None and chat_id < 0:
            waits.append(self._wait(chat_window, self.per_group_per_minute, 60.0, now))
        wait = max(waits)
        if wait > 0:
            return max(1, int(-(-wait // 1)))
        self._all.append(now)
        if chat_id is not None:
            chat_window.append(now)
        return None
