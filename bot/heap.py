"""The heap of a long-running process, once it has started.

By the time the bot serves, its heap holds hundreds of thousands of long-lived objects (aiogram's and
SQLAlchemy's classes, the surveys, the catalogs). Python's cyclic garbage collector walks all of them at
every full collection, and updates trigger collections all day. Freezing them after start-up takes them
out of those walks; bench/RESULTS.md measures what it saves per update.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect start-up's garbage, then freeze what is left; how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
