"""Where the surveys shipped with the package live."""

from __future__ import annotations

from pathlib import Path

#: The directory holding the shipped `*.yaml` surveys (this package's directory).
SHIPPED_DIR = Path(__file__).resolve().parent


def shipped_surveys() -> list[Path]:
    """The shipped survey files, sorted by name."""
    return sorted(SHIPPED_DIR.glob("*.yaml"))
