"""`consultbot survey preview FILE --lang LL`: answer a survey in the terminal exactly as a resident meets
it in Telegram.

The real application runs (dispatcher, handlers, services, a throw-away SQLite database); only the transport
differs: a session that prints what the bot sends instead of calling Telegram, and updates typed at the
keyboard. Type a button's number to press it, anything else to send it as a message, `q` to quit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import tempfile
import textwrap
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update, User

from bot.config import Settings
from bot.errors import ConfigError
from surveys import SurveyLoadError, load_survey

PREVIEW_TOKEN = "1000000:PREVIEWPREVIEWPREVIEWPREVIEWPREVIEW00"  # noqa: S105 - no real bot behind it
RESIDENT = User(id=1, is_bot=False, first_name="Preview")
CHAT = Chat(id=1, type="private", first_name="Preview")
WIDTH = 72


class TerminalSession(BaseSession):
    """A Bot API transport that shows messages in the terminal and remembers the buttons on screen."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        super().__init__()
        self._write = write
        self._ids = itertools.count(1)
        self.buttons: list[tuple[str, str, Message]] = []  # (text, callback_data, message)
        self._messages: dict[int, Message] = {}

    async def close(self) -> None:
        """Nothing to close."""

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the preview does not download files")
        yield b""  # pragma: no cover - makes this an async generator

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> Any:
        if isinstance(method, GetMe):
            return User(id=1000000, is_bot=True, first_name="consultbot", username="consultbot_preview")
        if isinstance(method, SendMessage):
            message = Message(
                message_id=next(self._ids),
                date=dt.datetime.now(dt.UTC),
                chat=CHAT,
                text=method.text,
                reply_markup=method.reply_markup
                if isinstance(method.reply_markup, InlineKeyboardMarkup)
                else None,
            )
            self._messages[message.message_id] = message
            self._show(message.text or "", message.reply_markup, message)
            return message
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            old = self._messages.get(int(method.message_id or 0))
            if old is None:
                return True
            text = method.text if isinstance(method, EditMessageText) else old.text
            markup = method.reply_markup
            new = old.model_copy(update={"text": text, "reply_markup": markup})
            self._messages[new.message_id] = new
            if isinstance(method, EditMessageText):
                self._write(_box("(edited) " + (text or "")))
            self._buttons(markup, new)
            return new
        if isinstance(method, AnswerCallbackQuery):
            if method.text:
                self._write(f"  [{method.text}]")
            return True
        return True

    def _show(self, text: str, markup: InlineKeyboardMarkup | None, message: Message) -> None:
        self._write(_box(text))
        self._buttons(markup, message)

    def _buttons(self, markup: InlineKeyboardMarkup | None, message: Message) -> None:
        if markup is None:
            return
        self.buttons = []
        for row in markup.inline_keyboard:
            labels = []
            for button in row:
                self.buttons.append((button.text, button.callback_data or "", message))
                labels.append(f"[{len(self.buttons)}] {button.text}")
            self._write("   " + "   ".join(labels))


def _box(text: str) -> str:
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, WIDTH) or [""])
    return "\n".join(["┌" + "─" * (WIDTH + 2)] + [f"│ {line}" for line in lines] + ["└" + "─" * (WIDTH + 2)])


async def _preview(path: Path, language: str | None, workdir: Path, read: Callable[[], str]) -> None:
    from bot.app import Application

    settings = Settings(
        _env_file=None,
        bot_token=PREVIEW_TOKEN,
        database_url=f"sqlite+aiosqlite:///{workdir / 'preview.db'}",
        surveys_dir=workdir,
        pseudonym_key="preview",
    )
    if language:
        settings = settings.model_copy(update={"default_locale": language})
    session = TerminalSession()
    app = await Application.create(settings, session=session)
    try:
        async with app.ctx.sessions.begin() as db:
            from bot.services.container import Services

            services = Services(db, app.ctx)
            source = await asyncio.to_thread(path.read_text, encoding="utf-8")
            stored = await services.surveys.store(source, path.name)
            rnd = await services.rounds.open_round(stored.row, payload="preview", is_test=True)
        resident = RESIDENT.model_copy(update={"language_code": language or settings.default_locale})
        updates = itertools.count(1)
        text = f"/start {rnd.payload}"
        while True:
            update = _update(next(updates), resident, text, session)
            await app.dispatcher.feed_update(app.bot, update)
            text = await asyncio.to_thread(read)
            if text.strip().lower() in {"q", "quit", "exit"}:
                return
    finally:
        await app.close()


def _update(update_id: int, user: User, typed: str, session: TerminalSession) -> Update:
    choice = typed.strip()
    if choice.isdigit() and 1 <= int(choice) <= len(session.buttons):
        _text, data, message = session.buttons[int(choice) - 1]
        query = CallbackQuery(
            id=str(update_id), from_user=user, chat_instance="preview", data=data, message=message
        )
        return Update(update_id=update_id, callback_query=query)
    message = Message(
        message_id=10_000 + update_id, date=dt.datetime.now(dt.UTC), chat=CHAT, from_user=user, text=typed
    )
    return Update(update_id=update_id, message=message)


def _read() -> str:
    try:
        return input("> ")
    except EOFError:
        return "q"


def run_preview(path: Path, language: str | None, read: Callable[[], str] = _read) -> int:
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    try:
        load_survey(path)
    except SurveyLoadError as exc:
        raise ConfigError(f"{path} has problems; run `consultbot survey check {path}`:\n{exc}") from exc
    print("Survey preview: type a button's number to press it, or type an answer. q to quit.")
    with tempfile.TemporaryDirectory(prefix="consultbot-preview-") as workdir:
        asyncio.run(_preview(path.resolve(), language, Path(workdir), read))
    return 0
