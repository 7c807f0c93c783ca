"""Chart images (PNG) of a round's distributions: matplotlib's Agg canvas, no pyplot, no global state.

Rendering is CPU work: callers run `render_panels` in a thread (`asyncio.to_thread`). Right-to-left labels
(Arabic, Hebrew, Persian…) are shaped and put in visual order, which matplotlib does not do itself.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import arabic_reshaper
from bidi import get_display

if TYPE_CHECKING:  # matplotlib costs a second at import: loaded when the first chart is drawn
    from matplotlib.figure import Figure

PANELS_PER_IMAGE = 4
LABEL_MAX = 40


@dataclass(frozen=True)
class Panel:
    """One bar chart: a title and bars; a hidden count has no bar and the text shown instead."""

    title: str
    labels: tuple[str, ...]
    values: tuple[int | None, ...]
    shown: tuple[str, ...]


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in {"R", "AL"} for ch in text)


def shape(text: str) -> str:
    """Text as matplotlib must draw it: RTL scripts joined (reshaped) and reordered for display."""
    if len(text) > LABEL_MAX:
        text = text[: LABEL_MAX - 1].rstrip() + "…"
    if not is_rtl(text):
        return text
    return str(get_display(arabic_reshaper.reshape(text)))


def _draw(figure: Figure, panel: Panel, row: int, rows: int) -> None:
    axes = figure.add_subplot(rows, 1, row)
    positions = list(range(len(panel.labels)))
    axes.barh(positions, [v or 0 for v in panel.values], color="#2b6cb0")
    axes.set_yticks(positions, [shape(label) for label in panel.labels])
    axes.invert_yaxis()
    axes.set_title(shape(panel.title), loc="left", fontsize=10)
    for position, value, text in zip(positions, panel.values, panel.shown, strict=True):
        axes.annotate(
            text, (value or 0, position), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="y", labelsize=8)


def render_image(panels: Sequence[Panel]) -> bytes:
    height = sum(0.9 + 0.32 * max(1, len(p.labels)) for p in panels)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, max(2.5, height)), dpi=110)
    FigureCanvasAgg(figure)
    for row, panel in enumerate(panels, start=1):
        _draw(figure, panel, row, len(panels))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def render_panels(panels: Sequence[Panel]) -> list[bytes]:
    """PNG images, each holding up to PANELS_PER_IMAGE charts (Telegram shows them one per message)."""
    return [render_image(panels[i : i + PANELS_PER_IMAGE]) for i in range(0, len(panels), PANELS_PER_IMAGE)]
