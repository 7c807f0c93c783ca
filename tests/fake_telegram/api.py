"""Messaging methods of the fake Bot API: sending, editing, deleting, callback answers, chat actions."""

from __future__ import annotations

import time
from typing import Any

from . import rules
from .models import Edit, JsonDict, SentMessage, UploadedFile, bad_request
from .settings import Handler, SettingsApi

SEND_METHODS = ("sendMessage", "sendDocument", "sendPhoto", "sendVoice")
CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
_MEDIA = {
    "sendDocument": ("document", "application/octet-stream"),
    "sendPhoto": ("photo", "image/jpeg"),
    "sendVoice": ("voice", "audio/ogg"),
}


class BotApi(SettingsApi):
    """All synchronous Bot API methods; ``handlers`` maps method names to implementations."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handlers: dict[str, Handler] = {
            **self.settings_handlers(),
            "sendMessage": self._send_message,
            "sendDocument": lambda p: self._send_media(p, "sendDocument"),
            "sendPhoto": lambda p: self._send_media(p, "sendPhoto"),
            "sendVoice": lambda p: self._send_media(p, "sendVoice"),
            "editMessageText": self._edit_text,
            "editMessageCaption": self._edit_caption,
            "editMessageReplyMarkup": self._edit_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback,
            "sendChatAction": self._chat_action,
        }

    def _send_message(self, params: JsonDict) -> JsonDict:
        chat_id = self._chat(params)
        text, entities = rules.check_text(params.get("text"), params.get("parse_mode"))
        markup = rules.check_reply_markup(params.get("reply_markup"))
        self._check_reply_to(chat_id, params)
        return self._new_message(
            chat_id, "text", params, text=text, raw=params["text"], entities=entities, reply_markup=markup
        )

    def _send_media(self, params: JsonDict, method: str) -> JsonDict:
        kind, mime = _MEDIA[method]
        chat_id = self._chat(params)
        caption, entities = rules.check_caption(params.get("caption"), params.get("parse_mode"))
        markup = rules.check_reply_markup(params.get("reply_markup"))
        self._check_reply_to(chat_id, params)
        value = params.get(kind)
        if isinstance(value, UploadedFile):
            if not value.content:
                raise bad_request("file must be non-empty")
            file_id = f"BQACAgI{kind}{next(self._file_counter)}"
            stored = self.add_file(
                file_id, value.content, filename=value.filename, mime_type=value.content_type or mime
            )
        elif isinstance(value, str) and value in self.files:
            stored = self.files[value]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            stored = self.add_file(value, b"", filename=value.rsplit("/", 1)[-1], mime_type=mime)
        elif value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return self._new_message(
            chat_id,
            kind,
            params,
            caption=caption,
            raw=params.get("caption"),
            entities=entities,
            reply_markup=markup,
            file=stored,
        )

    def _apply_edit(self, method: str, message: SentMessage, params: JsonDict, **changes: Any) -> JsonDict:
        before = (message.text, message.caption, message.entities, message.reply_markup)
        after = tuple(
            changes.get(k, getattr(message, k)) for k in ("text", "caption", "entities", "reply_markup")
        )
        if before == after:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        for key, value in changes.items():
            setattr(message, key, value)
        message.edit_count += 1
        self.edits.append(Edit(method, message.chat_id, message.message_id, params, time.time()))
        self._record(message)
        return self.message_dict(message)

    def _edit_text(self, params: JsonDict) -> JsonDict:
        message = self._find_own(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text, entities = rules.check_text(params.get("text"), params.get("parse_mode"), "MESSAGE_TOO_LONG")
        markup = rules.check_reply_markup(params.get("reply_markup"))
        return self._apply_edit(
            "editMessageText",
            message,
            params,
            text=text,
            entities=entities,
            reply_markup=markup,
            raw=params["text"],
            parse_mode=params.get("parse_mode"),
        )

    def _edit_caption(self, params: JsonDict) -> JsonDict:
        message = self._find_own(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        caption, entities = rules.check_caption(
            params.get("caption"), params.get("parse_mode"), "MESSAGE_TOO_LONG"
        )
        markup = rules.check_reply_markup(params.get("reply_markup"))
        return self._apply_edit(
            "editMessageCaption",
            message,
            params,
            caption=caption,
            entities=entities,
            reply_markup=markup,
            raw=params.get("caption"),
        )

    def _edit_markup(self, params: JsonDict) -> JsonDict:
        message = self._find_own(params)
        markup = rules.check_reply_markup(params.get("reply_markup"))
        return self._apply_edit("editMessageReplyMarkup", message, params, reply_markup=markup)

    def _delete_message(self, params: JsonDict) -> bool:
        chat_id = self._chat(params, sending=False)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        if not self._delete(chat_id, message_id):
            raise bad_request("message to delete not found")
        return True

    def _delete_messages(self, params: JsonDict) -> bool:
        """1 to 100 ids; those that can't be found are skipped, as Telegram does."""
        chat_id = self._chat(params, sending=False)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100 or not all(isinstance(i, int) for i in ids):
            raise bad_request("message_ids must be a list of 1-100 message identifiers")
        for message_id in ids:
            self._delete(chat_id, message_id)
        return True

    def _delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message of the bot's or of the person's; False when there is none to delete."""
        message = self._by_id.get((chat_id, message_id))
        if message is not None and not message.deleted:
            message.deleted = True
        elif message_id in self._user_messages.get(chat_id, set()):
            self._user_messages[chat_id].discard(message_id)
        else:
            return False
        self.deleted.append((chat_id, message_id))
        return True

    def _answer_callback(self, params: JsonDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._pending_callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._pending_callbacks.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    def _chat_action(self, params: JsonDict) -> bool:
        chat_id = self._chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, str(action)))
        return True
