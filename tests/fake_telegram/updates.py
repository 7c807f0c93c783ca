"""Updates: the getUpdates queue (offset, limit, long polling) and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from typing import Any

from aiohttp import BodyPartReader, ClientError, ClientResponse, ClientSession, MultipartReader

from .api import BotApi
from .models import ApiError, JsonDict, UploadedFile, WebhookDelivery
from .state import dumps

# Parameters that are strings in the Bot API: never JSON-decode them (a text "42" stays "42").
STRING_FIELDS = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "callback_query_id",
        "description",
        "short_description",
        "name",
        "language_code",
        "action",
        "file_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "title",
        "emoji",
        "question",
        "address",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "query",
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "thumbnail",
        "performer",
        "custom_emoji_id",
    ]
)
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)


def decode_field(name: str, value: str) -> Any:
    """Decode one form field as aiogram encodes it: JSON for non-string values."""
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def update_type(update: JsonDict) -> str:
    """The kind of an update ("message", "callback_query", …)."""
    return next((key for key in update if key != "update_id"), "")


def resolve_attachments(params: JsonDict) -> JsonDict:
    """Replace ``attach://key`` references with the uploaded file sent under ``key``."""
    refs = {
        v[len("attach://") :] for v in params.values() if isinstance(v, str) and v.startswith("attach://")
    }

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("attach://"):
            return params.get(value[len("attach://") :], value)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    return {key: resolve(value) for key, value in params.items() if key not in refs}


class UpdatesApi(BotApi):
    """Queues updates for getUpdates or POSTs them to the webhook."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.dropped_updates: list[JsonDict] = []
        self._queue: list[JsonDict] = []
        self._update_ids = itertools.count(100_000_001)
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._closing = False
        self._poll_generation = 0
        self._handed_out = 0
        self._http: ClientSession | None = None

    def next_update_id(self) -> int:
        """Allocate an update id."""
        return next(self._update_ids)

    def next_callback_id(self) -> str:
        """Allocate a unique callback query id."""
        return str(next(self._callback_ids))

    async def deliver(self, update: JsonDict) -> int:
        """Deliver an update (``update_id`` added when missing).

        With a webhook: POST it (with the secret header) and return the bot's HTTP status once the
        bot answered (0 when unreachable); a method returned in the answer is executed too. Updates
        of types outside ``allowed_updates`` are dropped (kept in ``dropped_updates``). Without a
        webhook: queue it for getUpdates and return 200.
        """
        update = {"update_id": self.next_update_id(), **update}
        self.observe(update)
        if self.webhook is None:
            self._queue.append(update)
            self._notify()
            return 200
        if not self._allowed(update):
            self.dropped_updates.append(update)
            return 200
        return await self._post_webhook(update, self.webhook["url"], self.webhook.get("secret_token"))

    async def deliver_raw(self, update: JsonDict, secret: str | None = None, url: str | None = None) -> int:
        """POST an update to the webhook with the given secret header (None: no header)."""
        target = url or (self.webhook or {}).get("url")
        if not target:
            raise AssertionError("no webhook set and no url given")
        update = {"update_id": self.next_update_id(), **update}
        self.observe(update)
        return await self._post_webhook(update, str(target), secret)

    @property
    def polling_seen(self) -> bool:
        """True once the bot called getUpdates (FakeUser then waits for the poller)."""
        return self._poll_generation > 0

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates queued for getUpdates and not yet confirmed."""
        return list(self._queue)

    def _drop_pending(self) -> None:
        self._queue.clear()

    def _pending_count(self) -> int:
        return len(self._queue)

    def _allowed(self, update: JsonDict) -> bool:
        kind = update_type(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_UPDATE_TYPES_EXCLUDED

    async def _post_webhook(self, update: JsonDict, url: str, secret: str | None) -> int:
        assert self._http is not None, "FakeTelegram is not started"
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            async with self._http.post(url, data=dumps(update).encode(), headers=headers) as resp:
                status, reply_type = resp.status, resp.content_type
                reply = await self._read_webhook_reply(resp) if status == 200 else None
        except (ClientError, OSError, TimeoutError) as exc:
            status, reply = 0, None
            self._webhook_error(f"Connection failed: {exc}")
        self.webhook_deliveries.append(WebhookDelivery(update, status, time.time()))
        if status not in (0, 200):
            self._webhook_error(f"Wrong response from the webhook: {status}")
        if reply is not None:
            method, params = reply
            await self._execute(method, params, via="webhook-reply", content_type=reply_type)
        return status

    def _webhook_error(self, message: str) -> None:
        if self.webhook is not None:
            self.webhook["last_error_date"] = int(self.clock())
            self.webhook["last_error_message"] = message

    @staticmethod
    async def _read_webhook_reply(resp: ClientResponse) -> tuple[str, JsonDict] | None:
        """A method call returned as the webhook answer (aiogram sends multipart form data)."""
        if resp.content_type == "multipart/form-data":
            params: JsonDict = {}
            reader = MultipartReader(resp.headers, resp.content)
            while (part := await reader.next()) is not None:
                if isinstance(part, BodyPartReader) and part.name:
                    if part.filename:
                        params[part.name] = UploadedFile(
                            part.filename, bytes(await part.read()), part.headers.get("Content-Type")
                        )
                    else:
                        params[part.name] = decode_field(part.name, await part.text())
            params = resolve_attachments(params)
        else:
            body = await resp.read()
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError:
                return None
        if not isinstance(params, dict) or not isinstance(params.get("method"), str):
            return None
        return str(params.pop("method")), params

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"] or None
        if offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        elif offset < 0:
            self._queue = self._queue[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self.dropped_updates += [u for u in self._queue if not self._allowed(u)]
            self._queue = [u for u in self._queue if self._allowed(u)]
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_POLLING)
            remaining = deadline - loop.time()
            if self._queue or remaining <= 0 or self._closing:
                break
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        batch = self._queue[:limit]
        if batch:
            self._handed_out = max(self._handed_out, batch[-1]["update_id"])
            self._notify()
        return batch

    async def _execute(
        self,
        method: str,
        params: JsonDict,
        *,
        via: str = "http",
        token_ok: bool = True,
        content_type: str = "",
    ) -> tuple[int, JsonDict]:
        """Run one method call (implemented by the HTTP server)."""
        raise NotImplementedError
