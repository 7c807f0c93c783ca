"""The other side of the chat: residents (``FakeUser``), groups and channels producing updates.

Every action delivers ONE update and returns snapshots of the messages the bot sent or edited in
that chat meanwhile, in order. With a webhook the bot has finished when the call returns; with
polling the call waits until the update was fetched and the bot went quiet (best effort).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .models import JsonDict, SentMessage
from .rules import utf16_len

if TYPE_CHECKING:
    from .server import FakeTelegram

_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_START_PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ADMIN_RIGHTS = (
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)


def command_entities(text: str) -> list[JsonDict]:
    """``bot_command`` entities, found like Telegram does (offsets in UTF-16 units)."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m in _COMMAND_RE.finditer(text)
    ]


class ChatSide:
    """Base for anything that sends updates into one chat."""

    def __init__(self, tg: FakeTelegram, chat: JsonDict) -> None:
        self.tg = tg
        self.chat = chat
        self.chat_id: int = chat["id"]
        self.check_status = True
        self.last_status = 0

    async def deliver(self, update: JsonDict) -> list[SentMessage]:
        """Deliver one update (fresh update_id) and collect the bot's sends/edits to this chat."""
        update_id = self.tg.next_update_id()
        mark = self.tg.journal_mark()
        self.last_status = await self.tg.deliver({"update_id": update_id, **update})
        if self.check_status and self.last_status != 200:
            kind = next(iter(update), "?")
            raise AssertionError(f"webhook answered HTTP {self.last_status} to a {kind} update")
        if self.tg.webhook is None and self.tg.polling_seen:
            await self.tg.wait_idle(update_id)
        return self.tg.journal_since(mark, self.chat_id)

    def _message(self, sender: JsonDict | None, **content: Any) -> JsonDict:
        message: JsonDict = {
            "message_id": self.tg.next_message_id(self.chat_id),
            "date": int(self.tg.clock()),
            "chat": self.chat,
        }
        if sender is not None:
            message["from"] = sender
        message.update({k: v for k, v in content.items() if v is not None})
        return message

    @staticmethod
    def _text(text: str) -> JsonDict:
        entities = command_entities(text)
        return {"text": text, "entities": entities or None}

    async def bot_status(self, by: FakeUser, old: str, new: str) -> list[SentMessage]:
        """A ``my_chat_member`` update: ``by`` changed the bot's status from ``old`` to ``new``
        ("member", "administrator", "left", "kicked"); the fake blocks/unblocks accordingly."""
        update = {
            "chat": self.chat,
            "from": by.user,
            "date": int(self.tg.clock()),
            "old_chat_member": self._member(old),
            "new_chat_member": self._member(new),
        }
        return await self.deliver({"my_chat_member": update})

    def _member(self, status: str) -> JsonDict:
        member: JsonDict = {"user": self.tg.bot_user, "status": status}
        if status == "kicked":
            member["until_date"] = 0
        if status == "administrator":
            member.update(dict.fromkeys(_ADMIN_RIGHTS, False), can_be_edited=False)
        return member

    # --------------------------------------------------------------- reading the chat
    @property
    def messages(self) -> list[SentMessage]:
        """The bot's current messages in this chat."""
        return self.tg.messages(self.chat_id)

    @property
    def last_message(self) -> SentMessage:
        """The bot's newest current message (AssertionError when there is none)."""
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot has no message in chat {self.chat_id}")
        return messages[-1]

    @property
    def last_text(self) -> str:
        """Text (or caption) of the bot's newest message."""
        return self.last_message.content

    def buttons(self, message: SentMessage | None = None) -> list[list[str]]:
        """Inline button texts of ``message`` (default: the newest message)."""
        return (message or self.last_message).buttons

    def all_texts(self) -> list[str]:
        """Texts/captions of all the bot's current messages, oldest first."""
        return [m.content for m in self.messages]


class FakeUser(ChatSide):
    """A resident talking to the bot in a private chat (chat id == user id)."""

    def __init__(
        self,
        tg: FakeTelegram,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        language_code: str | None = "ar",
        username: str | None = None,
    ) -> None:
        self.user_id = user_id
        self.user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: JsonDict = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                self.user[key] = chat[key] = value
        if language_code is not None:
            self.user["language_code"] = language_code
        super().__init__(tg, chat)
        self.sent_messages: list[JsonDict] = []
        self.chat_instance = str((user_id * 2654435761) % 10**19)

    async def _send(self, **content: Any) -> list[SentMessage]:
        message = self._message(self.user, **content)
        self.sent_messages.append(message)
        return await self.deliver({"message": message})

    def text_update(self, text: str) -> JsonDict:
        """A ``{"message": …}`` update with this text, to pass to ``tg.deliver`` yourself."""
        message = self._message(self.user, **self._text(text))
        self.sent_messages.append(message)
        return {"message": message}

    async def send(self, text: str) -> list[SentMessage]:
        """Send a text message (``bot_command`` entities added for /commands)."""
        return await self._send(**self._text(text))

    async def send_command(self, command: str, payload: str | None = None) -> list[SentMessage]:
        """Send ``/command [payload]``."""
        text = "/" + command.lstrip("/")
        return await self.send(f"{text} {payload}" if payload else text)

    async def start(self, payload: str | None = None) -> list[SentMessage]:
        """Send ``/start [payload]`` as a deep link would (payload ≤ 64 chars of A-Za-z0-9_-)."""
        if payload is not None and not _START_PAYLOAD_RE.match(payload):
            raise ValueError(f"Telegram would not pass the deep-link payload {payload!r}")
        return await self.send_command("start", payload)

    async def press(self, button_text: str) -> list[SentMessage]:
        """Press the inline button with exactly this text on the newest message that has it."""
        for message in reversed(self.messages):
            if message.find_button(button_text):
                return await self.press_in(message, button_text)
        available = {m.message_id: m.buttons for m in self.messages if m.inline_keyboard}
        raise AssertionError(
            f"no inline button {button_text!r} in chat {self.chat_id}; buttons by message id: {available}"
        )

    async def press_in(self, message: SentMessage, button_text: str) -> list[SentMessage]:
        """Press a button of a given (possibly older or stale) message snapshot."""
        button = message.find_button(button_text)
        if button is None:
            raise AssertionError(
                f"message {message.message_id} has no button {button_text!r}: {message.buttons}"
            )
        if "callback_data" not in button:
            raise AssertionError(f"button {button_text!r} is not a callback button: {button}")
        return await self.press_data(str(button["callback_data"]), message)

    async def press_data(self, callback_data: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Send a callback query with arbitrary (possibly forged) data on ``message``."""
        message = message or self.last_message
        current = self.tg.message(message.chat_id, message.message_id) or message
        if current.deleted:
            raise AssertionError(f"message {message.message_id} was deleted: its buttons cannot be pressed")
        query = {
            "id": self.tg.next_callback_id(),
            "from": self.user,
            "message": self.tg.message_dict(current),
            "chat_instance": self.chat_instance,
            "data": callback_data,
        }
        return await self.deliver({"callback_query": query})

    def _file(self, prefix: str, content: bytes, file_id: str | None, suffix: str, **meta: Any) -> JsonDict:
        number = len(self.tg.files) + 1
        file_id = file_id or f"{prefix}{self.user_id}x{number}"
        stored = self.tg.add_file(
            file_id, content, file_path=f"{prefix.lower()}s/file_{number}{suffix}", **meta
        )
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }

    async def send_photo(
        self,
        caption: str | None = None,
        *,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        file_id: str | None = None,
    ) -> list[SentMessage]:
        """Send a photo (registered, so getFile works)."""
        base = self._file("Photo", content, file_id, ".jpg", mime_type="image/jpeg")
        sizes = [{**base, "width": 90, "height": 67}, {**base, "width": 1280, "height": 960}]
        return await self._send(photo=sizes, caption=caption)

    async def send_sticker(self, emoji: str = "👍") -> list[SentMessage]:
        """Send a regular sticker."""
        base = self._file("Sticker", b"RIFFfake-webp", None, ".webp", mime_type="image/webp")
        sticker = {
            **base,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._send(sticker=sticker)

    async def send_voice(
        self, duration: int = 3, *, file_id: str | None = None, content: bytes = b"OggSfake-opus"
    ) -> list[SentMessage]:
        """Send a voice note (registered, so getFile and download work)."""
        base = self._file("Voice", content, file_id, ".oga", mime_type="audio/ogg")
        return await self._send(voice={**base, "duration": duration, "mime_type": "audio/ogg"})

    async def send_document(
        self,
        filename: str = "letter.pdf",
        content: bytes = b"%PDF-1.4 fake",
        mime_type: str = "application/pdf",
        *,
        caption: str | None = None,
        file_id: str | None = None,
    ) -> list[SentMessage]:
        """Send a document (registered, so getFile and download work)."""
        base = self._file(
            "Document",
            content,
            file_id,
            "." + filename.rsplit(".", 1)[-1],
            filename=filename,
            mime_type=mime_type,
        )
        return await self._send(
            document={**base, "file_name": filename, "mime_type": mime_type}, caption=caption
        )

    async def send_location(self, latitude: float = 36.7538, longitude: float = 3.0588) -> list[SentMessage]:
        """Send a location."""
        return await self._send(location={"latitude": latitude, "longitude": longitude})

    async def send_contact(
        self, phone_number: str = "+213555000111", *, own: bool = True
    ) -> list[SentMessage]:
        """Send a contact (``own``: the resident's own number, as a "share contact" button does)."""
        contact: JsonDict = {"phone_number": phone_number, "first_name": self.user["first_name"]}
        if own:
            contact["user_id"] = self.user_id
        return await self._send(contact=contact)

    async def send_poll(
        self,
        question: str = "Which park?",
        options: tuple[str, ...] = ("North", "South"),
    ) -> list[SentMessage]:
        """Send a (regular, anonymous) poll."""
        poll = {
            "id": str(self.tg.next_update_id()),
            "question": question,
            "options": [
                {"persistent_id": str(i), "text": o, "voter_count": 0} for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        return await self._send(poll=poll)

    async def edit(self, message: JsonDict | int | None, new_text: str) -> list[SentMessage]:
        """Edit one of the resident's own messages (default: the last one): an edited_message update."""
        if isinstance(message, int):
            original = next(m for m in self.sent_messages if m["message_id"] == message)
        else:
            original = message or self.sent_messages[-1]
        edited = {**original, **self._text(new_text), "edit_date": int(self.tg.clock())}
        edited = {k: v for k, v in edited.items() if v is not None}
        return await self.deliver({"edited_message": edited})

    async def forward(
        self, text: str, *, from_user: FakeUser | None = None, sender_name: str = "Someone"
    ) -> list[SentMessage]:
        """Forward a text from another user (hidden unless ``from_user`` is given)."""
        date = int(self.tg.clock()) - 3600
        origin: JsonDict = (
            {"type": "user", "date": date, "sender_user": from_user.user}
            if from_user
            else {"type": "hidden_user", "date": date, "sender_user_name": sender_name}
        )
        return await self._send(text=text, forward_origin=origin)

    async def block_bot(self) -> list[SentMessage]:
        """The resident blocks the bot: a my_chat_member "kicked" update; later sends get 403."""
        return await self.bot_status(self, "member", "kicked")

    async def unblock_bot(self) -> list[SentMessage]:
        """The resident unblocks the bot (my_chat_member "member")."""
        return await self.bot_status(self, "kicked", "member")


class FakeGroup(ChatSide):
    """A group/supergroup chat containing the bot."""

    def __init__(self, tg: FakeTelegram, chat_id: int, title: str, type: str = "supergroup") -> None:
        super().__init__(tg, {"id": chat_id, "type": type, "title": title})

    async def send(self, user: FakeUser, text: str) -> list[SentMessage]:
        """``user`` writes ``text`` in the group."""
        return await self.deliver({"message": self._message(user.user, **self._text(text))})

    async def add_bot(self, by: FakeUser) -> list[SentMessage]:
        """``by`` adds the bot to the group."""
        return await self.bot_status(by, "left", "member")

    async def remove_bot(self, by: FakeUser) -> list[SentMessage]:
        """``by`` removes the bot; later sends get 403."""
        return await self.bot_status(by, "member", "left")


class FakeChannel(ChatSide):
    """A channel where the bot is an administrator."""

    def __init__(self, tg: FakeTelegram, chat_id: int, title: str, username: str | None = None) -> None:
        chat: JsonDict = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        super().__init__(tg, chat)

    async def post(self, text: str) -> list[SentMessage]:
        """A ``channel_post`` update."""
        return await self.deliver({"channel_post": self._message(None, sender_chat=self.chat, text=text)})
