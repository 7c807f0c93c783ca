"""State of the fake Bot API: what the bot sent, known chats and files, and change notification."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from .models import ApiError, Edit, JsonDict, Request, SentMessage, StoredFile, bad_request

DEFAULT_TOKEN = "123456789:AAFakeFakeFakeFakeFakeFakeFakeFakeFak"


def dumps(value: Any) -> str:
    """Compact JSON, as Telegram sends it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def lang(params: JsonDict) -> str:
    """The ``language_code`` parameter ("" when absent)."""
    return str(params.get("language_code") or "")


class BotState:
    """Everything the fake remembers, plus helpers shared by the API method implementations."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        username: str = "consultbot_test_bot",
        first_name: str = "Consult Bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JsonDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.clock = clock
        self.requests: list[Request] = []
        self.sent: list[SentMessage] = []
        self.edits: list[Edit] = []
        self.deleted: list[tuple[int, int]] = []
        self.callback_answers: dict[str, JsonDict] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.menu_buttons: dict[int | None, JsonDict] = {}
        self.left_chats: set[int] = set()
        self.chats: dict[int, JsonDict] = {}
        self.users: dict[int, JsonDict] = {}
        self.files: dict[str, StoredFile] = {}
        self.blocked: set[int] = set()
        self.webhook: JsonDict | None = None
        self.allowed_updates: list[str] | None = None
        self._journal: list[SentMessage] = []
        self._by_id: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[int, set[int]] = {}
        self._message_counters: dict[int, int] = {}
        self._pending_callbacks: set[str] = set()
        self._file_counter = itertools.count(1)
        self._changed = asyncio.Event()

    # ----------------------------------------------------------------- reading
    def messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's current (not deleted) messages in a chat, oldest first."""
        return [m for m in self.sent if m.chat_id == chat_id and not m.deleted]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A bot message by its ids (deleted ones included)."""
        return self._by_id.get((chat_id, message_id))

    def message_dict(self, message: SentMessage) -> JsonDict:
        """The Message object Telegram returns for a bot message."""
        result: JsonDict = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self.chats.get(message.chat_id, {"id": message.chat_id, "type": "private"}),
            "date": message.date,
        }
        if message.edit_count:
            result["edit_date"] = int(self.clock())
        if message.text is not None:
            result["text"] = message.text
        if message.caption is not None:
            result["caption"] = message.caption
        if message.entities:
            result["entities" if message.kind == "text" else "caption_entities"] = message.entities
        file = message.file
        if file is not None:
            base: JsonDict = {
                "file_id": file.file_id,
                "file_unique_id": file.file_unique_id,
                "file_size": file.file_size,
            }
            if message.kind == "photo":
                result["photo"] = [{**base, "width": 800, "height": 600}]
            elif message.kind == "voice":
                result["voice"] = {
                    **base,
                    "duration": int(message.params.get("duration") or 1),
                    "mime_type": file.mime_type or "audio/ogg",
                }
            else:
                result["document"] = {
                    **base,
                    "file_name": file.filename or "file",
                    "mime_type": file.mime_type or "application/octet-stream",
                }
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return result

    def journal_mark(self) -> int:
        """A position in the journal of sends and edits (see :meth:`journal_since`)."""
        return len(self._journal)

    def journal_since(self, mark: int, chat_id: int | None = None) -> list[SentMessage]:
        """Snapshots of the messages sent or edited since ``mark``, in order."""
        return [m for m in self._journal[mark:] if chat_id is None or m.chat_id == chat_id]

    # ----------------------------------------------------------------- arranging
    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id of a chat (shared by the bot and the other side)."""
        self._message_counters[chat_id] = self._message_counters.get(chat_id, 0) + 1
        return self._message_counters[chat_id]

    def add_file(
        self,
        file_id: str,
        content: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        file_path: str | None = None,
    ) -> StoredFile:
        """Register a file so getFile and the download URL serve ``content``."""
        digest = hashlib.sha1(file_id.encode()).hexdigest()[:16]
        suffix = "." + filename.rsplit(".", 1)[-1] if filename and "." in filename else ""
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AgAD{digest}",
            content=content,
            file_path=file_path or f"documents/file_{next(self._file_counter)}{suffix}",
            filename=filename,
            mime_type=mime_type,
        )
        self.files[file_id] = stored
        return stored

    def block(self, chat_id: int) -> None:
        """Make further sends to ``chat_id`` fail with 403 "bot was blocked by the user"."""
        self.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block`."""
        self.blocked.discard(chat_id)

    def observe(self, update: JsonDict) -> None:
        """Learn chats, users, message ids and callback query ids from an incoming update."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, dict):
                self._observe_chat(message.get("chat"), message.get("from"))
                chat_id = message.get("chat", {}).get("id")
                message_id = message.get("message_id")
                if isinstance(chat_id, int) and isinstance(message_id, int):
                    self._user_messages.setdefault(chat_id, set()).add(message_id)
                    self._message_counters[chat_id] = max(self._message_counters.get(chat_id, 0), message_id)
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._pending_callbacks.add(str(query.get("id")))
            self._observe_chat((query.get("message") or {}).get("chat"), query.get("from"))
        member = update.get("my_chat_member")
        if isinstance(member, dict):
            chat = member.get("chat") or {}
            self._observe_chat(chat, member.get("from"))
            status = (member.get("new_chat_member") or {}).get("status")
            chat_id = chat.get("id")
            if isinstance(chat_id, int):
                gone = status in ("kicked", "left")
                target = self.blocked if chat.get("type") == "private" else self.left_chats
                (target.add if gone else target.discard)(chat_id)

    def _observe_chat(self, chat: Any, user: Any) -> None:
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            self.chats[chat["id"]] = chat
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            self.users[user["id"]] = user

    # ----------------------------------------------------------------- waiting
    def _notify(self) -> None:
        """Wake everything waiting for a change (a request, a send, an edit, an update)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Wait (event-driven, bounded) until ``predicate()`` holds; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # ----------------------------------------------------------------- helpers for methods
    def _record(self, message: SentMessage) -> None:
        self._journal.append(message.snapshot())
        self._notify()

    def _chat(self, params: JsonDict, *, sending: bool = True) -> int:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat_id: int | None = None
        if isinstance(raw, int):
            chat_id = raw
        elif isinstance(raw, str) and raw.startswith("@"):
            chat_id = next((cid for cid, c in self.chats.items() if c.get("username") == raw[1:]), None)
        if chat_id is None or chat_id not in self.chats:
            raise bad_request("chat not found")
        if sending and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if sending and chat_id in self.left_chats:
            kind = self.chats[chat_id].get("type", "group")
            kind = "group" if kind == "private" else kind
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return chat_id

    def _find_own(self, params: JsonDict, verb: str = "edit") -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = self._chat(params)
        message_id = params.get("message_id")
        message = self._by_id.get((chat_id, message_id)) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            if isinstance(message_id, int) and message_id in self._user_messages.get(chat_id, set()):
                raise bad_request(f"message can't be {verb}ed")
            raise bad_request(f"message to {verb} not found")
        return message

    def _check_reply_to(self, chat_id: int, params: JsonDict) -> None:
        reply = params.get("reply_parameters")
        target = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        if target is None:
            return
        allow = params.get("allow_sending_without_reply") or (
            isinstance(reply, dict) and reply.get("allow_sending_without_reply")
        )
        known = (chat_id, target) in self._by_id or target in self._user_messages.get(chat_id, set())
        if not known and not allow:
            raise bad_request("message to be replied not found")

    def _new_message(self, chat_id: int, kind: str, params: JsonDict, **fields: Any) -> JsonDict:
        message = SentMessage(
            chat_id=chat_id,
            message_id=self.next_message_id(chat_id),
            date=int(self.clock()),
            kind=kind,
            params=params,
            parse_mode=params.get("parse_mode"),
            **fields,
        )
        self.sent.append(message)
        self._by_id[(chat_id, message.message_id)] = message
        self._record(message)
        return self.message_dict(message)
