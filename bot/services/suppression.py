"""Small-count suppression for published tables, with complementary suppression. Pure functions.

A table is a row of counts and its total (the margin). Counts below K are hidden and shown as "<K"
(primary suppression). A reader who knows the total could then subtract the visible cells and recover a
hidden one, so more cells are hidden (secondary suppression, shown as "·") until every hidden cell keeps at
least two possible values. The reader is assumed to know the method: a primary cell lies in [0, K-1], a
secondary one in [K, total]. If hiding every cell is still not enough (all cells equal K-1), the total is
hidden too.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Hidden(enum.Enum):
    NO = "no"
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Cell:
    count: int
    hidden: Hidden = Hidden.NO

    def shown(self, k: int) -> str:
        if self.hidden is Hidden.PRIMARY:
            return f"<{k}"
        if self.hidden is Hidden.SECONDARY:
            return "·"
        return str(self.count)

    @property
    def visible(self) -> bool:
        return self.hidden is Hidden.NO


@dataclass(frozen=True)
class Table:
    cells: tuple[Cell, ...]
    total: Cell

    def shown(self, k: int) -> list[str]:
        return [cell.shown(k) for cell in self.cells]


def bounds(hidden: Hidden, k: int, total: int) -> tuple[int, int]:
    """What a reader knows of a hidden cell's value."""
    return (0, k - 1) if hidden is Hidden.PRIMARY else (k, total)


def pinned(cells: Sequence[Cell], total: int, k: int) -> list[int]:
    """Indexes of hidden cells whose value follows from the total and the visible cells."""
    rest = total - sum(cell.count for cell in cells if cell.visible)
    hidden = [(i, bounds(cell.hidden, k, total)) for i, cell in enumerate(cells) if not cell.visible]
    low_sum = sum(lo for _, (lo, _hi) in hidden)
    high_sum = sum(hi for _, (_lo, hi) in hidden)
    found = []
    for i, (lo, hi) in hidden:
        least = max(lo, rest - (high_sum - hi))
        most = min(hi, rest - (low_sum - lo))
        if least >= most:
            found.append(i)
    return found


def suppress(counts: Sequence[int], k: int, total: int | None = None) -> Table:
    """Hide small counts and enough others that none can be recovered from the total.

    `total` is the table's margin (default: the sum of the counts). A total below K hides everything.
    """
    if any(count < 0 for count in counts):
        raise ValueError("counts cannot be negative")
    margin = sum(counts) if total is None else total
    if margin < k:
        return Table(tuple(Cell(c, Hidden.PRIMARY) for c in counts), Cell(margin, Hidden.PRIMARY))
    cells = [Cell(c, Hidden.PRIMARY if c < k else Hidden.NO) for c in counts]
    while any(not c.visible for c in cells) and pinned(cells, margin, k):
        visible = [(c.count, i) for i, c in enumerate(cells) if c.visible]
        if not visible:
            return Table(tuple(cells), Cell(margin, Hidden.SECONDARY))
        _, smallest = min(visible)
        cells[smallest] = Cell(cells[smallest].count, Hidden.SECONDARY)
    return Table(tuple(cells), Cell(margin))
