"""Logging set-up: one line per event, text or JSON, with secrets scrubbed.

Handlers log update ids and kinds of events; never answer texts, names or Telegram ids.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

TOKEN_RE = re.compile(r"\d{5,20}:[A-Za-z0-9_-]{30,60}")


def scrub(text: str) -> str:
    return TOKEN_RE.sub("<token>", text)


class ScrubFilter(logging.Filter):
    """Removes bot tokens from every record, whichever library logged it (aiohttp logs URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatException(self, ei: object) -> str:
        return scrub(super().formatException(ei))  # type: ignore[arg-type]


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ScrubFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(max(logging.getLevelName(level), logging.INFO))
    # Migrations report each step at INFO; at start-up one line ("up to date" or the error) is enough.
    logging.getLogger("alembic").setLevel(max(logging.getLevelName(level), logging.WARNING))
