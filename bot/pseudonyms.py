"""The secret behind exported pseudonyms (and hashed FSM keys): PSEUDONYM_KEY, or a generated file."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings

log = logging.getLogger(__name__)
KEY_FILE_NAME = ".pseudonym-key"


def key_file(settings: Settings) -> Path:
    """Beside the SQLite database; in the working directory for a server database."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / KEY_FILE_NAME
    return Path.cwd() / KEY_FILE_NAME


def load_key(settings: Settings) -> bytes:
    if settings.pseudonym_key is not None and settings.pseudonym_key.get_secret_value():
        return settings.pseudonym_key.get_secret_value().encode()
    path = key_file(settings)
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode()
    key = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n", encoding="ascii")
    path.chmod(0o600)
    log.warning(
        "PSEUDONYM_KEY is not set: generated one in %s. Keep this file (and back it up): "
        "exports made with another key give other pseudonyms.",
        path,
    )
    return key.encode()
