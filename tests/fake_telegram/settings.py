"""Bot settings methods: commands, descriptions, menu button, files, leaving chats and the webhook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import JsonDict, bad_request
from .state import BotState, lang

Handler = Callable[[JsonDict], Any]


def scope_key(scope: Any) -> str:
    """A readable key for a BotCommandScope: "default", "all_private_chats", "chat:42", …"""
    if not isinstance(scope, dict):
        return "default"
    parts = [str(scope.get("type", "default"))]
    parts += [str(scope[key]) for key in ("chat_id", "user_id") if key in scope]
    return ":".join(parts)


class SettingsApi(BotState):
    """getMe, commands, descriptions, names, menu button, leaveChat, getFile and webhook methods."""

    def settings_handlers(self) -> dict[str, Handler]:
        """Method name -> implementation."""
        return {
            "getMe": lambda p: self.bot_user,
            "setMyCommands": self._set_commands,
            "deleteMyCommands": self._delete_commands,
            "getMyCommands": self._get_commands,
            "setMyDescription": lambda p: self._set_text(p, self.descriptions, "description", 512),
            "getMyDescription": lambda p: {"description": self.descriptions.get(lang(p), "")},
            "setMyShortDescription": lambda p: self._set_text(
                p, self.short_descriptions, "short_description", 120
            ),
            "getMyShortDescription": lambda p: {
                "short_description": self.short_descriptions.get(lang(p), "")
            },
            "setMyName": lambda p: self._set_text(p, self.names, "name", 64),
            "getMyName": lambda p: {"name": self.names.get(lang(p), self.bot_user["first_name"])},
            "setChatMenuButton": self._set_menu_button,
            "getChatMenuButton": self._get_menu_button,
            "leaveChat": self._leave_chat,
            "getFile": self._get_file,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
        }

    def _set_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" is required')
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not (1 <= len(name) <= 32 and all(c.islower() or c.isdigit() or c == "_" for c in name)):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[(scope_key(params.get("scope")), lang(params))] = commands
        return True

    def _delete_commands(self, params: JsonDict) -> bool:
        self.commands.pop((scope_key(params.get("scope")), lang(params)), None)
        return True

    def _get_commands(self, params: JsonDict) -> list[JsonDict]:
        return self.commands.get((scope_key(params.get("scope")), lang(params)), [])

    def _set_text(self, params: JsonDict, store: dict[str, str], key: str, limit: int) -> bool:
        value = str(params.get(key) or "")
        if len(value) > limit:
            raise bad_request(f"{key.upper()}_INVALID")
        if value:
            store[lang(params)] = value
        else:
            store.pop(lang(params), None)
        return True

    def _set_menu_button(self, params: JsonDict) -> bool:
        chat_id = self._chat(params, sending=False) if params.get("chat_id") is not None else None
        button = params.get("menu_button") or {"type": "default"}
        self.menu_buttons[chat_id] = button if isinstance(button, dict) else {"type": "default"}
        return True

    def _get_menu_button(self, params: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id") if isinstance(params.get("chat_id"), int) else None
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "default"}))

    def _leave_chat(self, params: JsonDict) -> bool:
        chat_id = self._chat(params, sending=False)
        if self.chats[chat_id].get("type") == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.left_chats.add(chat_id)
        return True

    def _get_file(self, params: JsonDict) -> JsonDict:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if stored.file_size > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    def _set_webhook(self, params: JsonDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (
            isinstance(secret, str)
            and 1 <= len(secret) <= 256
            and all(c.isalnum() or c in "_-" for c in secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"] or None
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": max_connections,
            "last_error_date": None,
            "last_error_message": None,
        }
        return True

    def _delete_webhook(self, params: JsonDict) -> bool:
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook = None
        return True

    def _drop_pending(self) -> None:
        """Hook: forget queued updates (implemented by the server)."""

    def _pending_count(self) -> int:
        return 0

    def _webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": self._pending_count(),
        }
        if self.webhook:
            info.update(
                url=self.webhook["url"],
                max_connections=self.webhook["max_connections"],
                ip_address="127.0.0.1",
            )
            if self.allowed_updates:
                info["allowed_updates"] = self.allowed_updates
            if self.webhook["last_error_date"]:
                info.update(
                    last_error_date=self.webhook["last_error_date"],
                    last_error_message=self.webhook["last_error_message"],
                )
        return info
