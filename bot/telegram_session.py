"""The Bot API transport: each call as one JSON body, instead of aiogram's form.

aiogram posts every call as a form: each field prepared on its own, every unset field of every button
walked through, nested objects (a keyboard) dumped to JSON strings inside it, and the whole form URL-encoded
by aiohttp. The Bot API takes a JSON body as well: for a question with its keyboard, building one costs
about 40% of the form's CPU (bench/RESULTS.md §1).
A call that uploads a file (a poster, an export) still goes as a multipart form, through aiogram.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from aiohttp import ClientError, ClientTimeout
from aiohttp.payload import BytesPayload

JSON = "application/json"


def json_fields(session: BaseSession, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
    """The call's parameters as aiogram would send them (the bot's defaults filled in, dates as
    timestamps, unset and empty fields left out), ready for one JSON document; None when it uploads a
    file."""
    files: dict[str, InputFile] = {}
    fields: dict[str, Any] = {}
    # Unset (None) fields are left out by pydantic first: aiogram would walk each, then drop it.
    for key, value in method.model_dump(warnings=False, exclude_none=True).items():
        prepared = session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None and prepared != "":
            fields[key] = prepared
    return None if files else fields


class JsonSession(AiohttpSession):
    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> BytesPayload | None:
        fields = json_fields(self, bot, method)
        if fields is None:
            return None
        return BytesPayload(self.json_dumps(fields).encode(), content_type=JSON)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url, data=body, timeout=ClientTimeout(total=self.timeout if timeout is None else timeout)
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(method=method, message=f"{type(exc).__name__}: {exc}") from exc
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=raw_result)
        return cast(TelegramType, response.result)
