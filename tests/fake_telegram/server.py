"""``FakeTelegram``: a fake Telegram Bot API server on 127.0.0.1 for driving a real aiogram Bot.

Usage::

    async with FakeTelegram() as tg:
        session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
        bot = Bot(tg.token, session=session)
        ...
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from .api import SEND_METHODS
from .models import (
    ApiError,
    Fault,
    Hold,
    JsonDict,
    RateLimiter,
    Request,
    SentMessage,
    SlidingWindowRateLimiter,
    UploadedFile,
)
from .state import DEFAULT_TOKEN, dumps
from .updates import UpdatesApi, decode_field, resolve_attachments
from .user import FakeChannel, FakeGroup, FakeUser


class FakeTelegram(UpdatesApi):
    """A fake Bot API server; see the package docstring for the public API."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "consultbot_test_bot",
        first_name: str = "Consult Bot",
        clock: Callable[[], float] = time.time,
        webhook_timeout: float = 60.0,
    ) -> None:
        super().__init__(token, username=username, first_name=first_name, clock=clock)
        self.webhook_timeout = webhook_timeout
        self.rate_limiter: RateLimiter | None = None
        self.port = 0
        self._faults: list[Fault] = []
        self.internal_errors: list[Exception] = []
        self._in_flight = 0
        self._runner: web.AppRunner | None = None
        self._canonical = {name.lower(): name for name in [*self.handlers, "getUpdates"]}

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` for ``TelegramAPIServer.from_base``."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the HTTP server on a free port."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._http = ClientSession(timeout=ClientTimeout(total=self.webhook_timeout))

    async def stop(self) -> None:
        """Wake long polls, close the webhook client and stop the server."""
        self._closing = True
        self._notify()
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def user(
        self,
        user_id: int = 1001,
        first_name: str = "Amina",
        *,
        last_name: str | None = None,
        language_code: str | None = "ar",
        username: str | None = None,
    ) -> FakeUser:
        """A resident in a private chat with the bot (chat id == user id)."""
        return FakeUser(
            self, user_id, first_name, last_name=last_name, language_code=language_code, username=username
        )

    def group(
        self, chat_id: int = -1001234567890, title: str = "Neighbourhood", *, type: str = "supergroup"
    ) -> FakeGroup:
        """A group or supergroup chat the bot is in."""
        return FakeGroup(self, chat_id, title, type)

    def channel(
        self, chat_id: int = -1009876543210, title: str = "City news", *, username: str | None = None
    ) -> FakeChannel:
        """A channel where the bot receives ``channel_post`` updates."""
        return FakeChannel(self, chat_id, title, username)

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int | None = 429,
        retry_after: int = 5,
        delay: float = 0.0,
        description: str | None = None,
        effect_first: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any method except getUpdates) fail.

        ``status`` 429 answers "Too Many Requests: retry after N" with ``parameters.retry_after``;
        500/502 answer "Internal Server Error"/"Bad Gateway"; ``status=None`` answers normally.
        ``delay`` sleeps before answering; with ``effect_first`` (and ``status=None``) the call
        takes effect before the sleep, like a response lost after Telegram sent the message.
        """
        self._faults.append(
            Fault(method.lower(), times, status, retry_after, delay, description, effect_first)
        )

    def hold(self, method: str) -> Hold:
        """Keep the next call of ``method`` waiting, before it takes effect, until ``release()``;
        ``arrived`` is set once it is waiting."""
        held = Hold()
        self._faults.append(Fault(method.lower(), 1, None, 0, 0.0, None, False, held))
        return held

    def clear_faults(self) -> None:
        """Forget pending faults."""
        self._faults.clear()

    def rate_limit(
        self,
        per_second: int | None = 30,
        per_chat_per_second: int | None = 1,
        per_group_per_minute: int | None = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> SlidingWindowRateLimiter:
        """Enforce Telegram-like flood limits on sends (429 + retry_after); see ``rate_limiter``."""
        limiter = SlidingWindowRateLimiter(per_second, per_chat_per_second, per_group_per_minute, clock)
        self.rate_limiter = limiter
        return limiter

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.method == method.lower() or (fault.method == "*" and method != "getUpdates"):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    async def wait_for_messages(
        self, chat_id: int | None = None, count: int = 1, *, since: int = 0, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until ``count`` sends/edits (to ``chat_id``) are journaled after mark ``since``."""
        await self.wait_until(
            lambda: len(self.journal_since(since, chat_id)) >= count,
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )
        return self.journal_since(since, chat_id)

    async def wait_idle(
        self, update_id: int | None = None, settle: float = 0.05, timeout: float = 5.0
    ) -> None:
        """Polling mode: wait until getUpdates handed out ``update_id`` and the bot made no API call
        for ``settle`` seconds (best effort; webhook delivery needs no waiting)."""
        if update_id is not None:
            await self.wait_until(
                lambda: (
                    self._handed_out >= update_id or all(u["update_id"] != update_id for u in self._queue)
                ),
                timeout,
                f"update {update_id} polled",
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            seen = len(self.requests)
            await asyncio.sleep(settle)
            if seen == len(self.requests) and self._in_flight == 0:
                return
        raise AssertionError(f"bot still busy after {timeout}s")

    def calls(self, method: str) -> list[Request]:
        """Recorded requests of one method (case-insensitive)."""
        return [r for r in self.requests if r.method.lower() == method.lower()]

    async def _read_params(self, request: web.Request) -> JsonDict:
        params: JsonDict = {key: decode_field(key, value) for key, value in request.query.items()}
        if request.method == "POST" and request.body_exists:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        params[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
                    else:
                        params[key] = decode_field(key, str(value))
        return resolve_attachments(params)

    async def _handle_api(self, request: web.Request) -> web.Response:
        params = await self._read_params(request)
        token_ok = request.match_info["token"] == self.token
        status, body = await self._execute(
            request.match_info["method"], params, token_ok=token_ok, content_type=request.content_type
        )
        return web.json_response(body, status=status, dumps=dumps)

    async def _execute(
        self,
        method: str,
        params: JsonDict,
        *,
        via: str = "http",
        token_ok: bool = True,
        content_type: str = "",
    ) -> tuple[int, JsonDict]:
        name = self._canonical.get(method.lower(), method)
        record = Request(name, params, time.time(), via=via, content_type=content_type)
        self.requests.append(record)
        self._notify()
        counted = name != "getUpdates"
        self._in_flight += counted
        try:
            result = await self._call(name, params, token_ok)
            record.status, record.response = 200, {"ok": True, "result": result}
        except ApiError as error:
            record.status, record.response = error.status, error.body()
        except Exception as exc:  # a bug of the fake or parameters it cannot digest: make it loud
            self.internal_errors.append(exc)
            failure = ApiError(
                500, f"Internal Server Error: fake Bot API failed: {type(exc).__name__}: {exc}"
            )
            record.status, record.response = failure.status, failure.body()
        finally:
            self._in_flight -= counted
            self._notify()
        return record.status, record.response

    async def _call(self, name: str, params: JsonDict, token_ok: bool) -> Any:
        if not token_ok:
            raise ApiError(401, "Unauthorized")
        if name not in self.handlers and name != "getUpdates":
            raise ApiError(404, "Not Found")
        fault = self._take_fault(name)
        if fault is not None and fault.hold is not None:
            fault.hold.arrived.set()
            await fault.hold.released.wait()
        if fault is not None and fault.delay and not fault.effect_first:
            await asyncio.sleep(fault.delay)
        error = fault.error() if fault is not None else None
        if error is not None:
            raise error
        if self.rate_limiter is not None and name in SEND_METHODS:
            chat_id = params.get("chat_id")
            retry_after = self.rate_limiter.check(name, chat_id if isinstance(chat_id, int) else None)
            if retry_after is not None:
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )
        if name == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            result = self.handlers[name](params)
        if fault is not None and fault.delay and fault.effect_first:
            await asyncio.sleep(fault.delay)
        return result

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if request.match_info["token"] != self.token or stored is None or stored.content is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")
