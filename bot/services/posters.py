"""QR codes (SVG, and PNG large enough to print) and an A4 poster (PDF) for a survey link. Pure functions.

Rendering is CPU work: callers run `render_link_files` in a thread (`asyncio.to_thread`). The poster's texts
come from the gettext catalogs through a `Translate` function handed in by the caller, in the language the
worker chose; right-to-left text (Arabic) is shaped and put in visual order, which reportlab does not do
itself. DejaVu Sans (shipped with matplotlib, already a dependency) covers Latin, Cyrillic and Arabic.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import arabic_reshaper
import matplotlib
import segno
from bidi import get_display
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bot.errors import N_
from bot.services.labels import Translate
from surveys import Survey

PNG_MIN_PIXELS = 1000
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
_FONTS_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_fonts_lock = threading.Lock()

HEADING = N_("Consultation of the City of {city}")
INVITATION = N_("Your opinion counts. Scan the code with your phone's camera to answer on Telegram.")
WITH = N_("With: {organisation}")
USAGE = N_(
    "Your answers help the City of {city} prepare its decisions. Your name is kept apart from your "
    "answers, and results are published only as totals."
)


@dataclass(frozen=True)
class PosterTexts:
    heading: str
    title: str
    invitation: str
    organisation: str | None
    usage: str


@dataclass(frozen=True)
class LinkFiles:
    png: bytes
    svg: bytes
    pdf: bytes


def poster_title(round_title: str | None, survey: Survey, language: str) -> str:
    """The survey's own title in the poster's language when it has one; else the round's title."""
    if language != survey.default_language and language in survey.title.languages:
        return survey.title.get(language)
    return round_title or survey.title.get(language)


def poster_texts(
    translate: Translate, language: str, city: str, title: str, organisation: str | None
) -> PosterTexts:
    return PosterTexts(
        heading=translate(HEADING, language).format(city=city),
        title=title,
        invitation=translate(INVITATION, language),
        organisation=translate(WITH, language).format(organisation=organisation) if organisation else None,
        usage=translate(USAGE, language).format(city=city),
    )


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_png(url: str) -> bytes:
    """A PNG of at least PNG_MIN_PIXELS a side, whole pixels per module (sharp when printed)."""
    code = qr_code(url)
    modules = code.symbol_size(scale=1, border=QUIET_ZONE)[0]
    out = io.BytesIO()
    code.save(out, kind="png", scale=math.ceil(PNG_MIN_PIXELS / modules), border=QUIET_ZONE)
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    qr_code(url).save(out, kind="svg", scale=10, border=QUIET_ZONE, xmldecl=True, svgns=True)
    return out.getvalue()


def register_fonts() -> None:
    with _fonts_lock:
        registered = pdfmetrics.getRegisteredFontNames()
        for name in (FONT, BOLD):
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, str(_FONTS_DIR / f"{name}.ttf")))


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in {"R", "AL"} for ch in text)


def visual(line: str) -> str:
    """A line as it must be drawn: right-to-left scripts joined and reordered."""
    return str(get_display(arabic_reshaper.reshape(line))) if is_rtl(line) else line


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines (in reading order, before reordering) that fit `width` points."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and pdfmetrics.stringWidth(visual(candidate), font, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


class _Page:
    """Centred lines going down an A4 page."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.width, height = A4
        self.margin = 56.0
        self.y = height - self.margin

    def text(self, text: str, font: str, size: float, gap: float = 0.0) -> None:
        for line in wrap(text, font, size, self.width - 2 * self.margin):
            self.y -= size * 1.3
            self.canvas.setFont(font, size)
            self.canvas.drawCentredString(self.width / 2, self.y, visual(line))
        self.y -= gap

    def qr(self, code: segno.QRCode, side: float, gap: float) -> None:
        """The code as vector squares (sharp at any print size), with its quiet zone."""
        matrix = code.matrix
        count = len(matrix) + 2 * QUIET_ZONE
        module = side / count
        left = (self.width - side) / 2
        top = self.y
        self.canvas.setFillColorRGB(0, 0, 0)
        for row_index, row in enumerate(matrix):
            for col_index, dark in enumerate(row):
                if dark:
                    x = left + (col_index + QUIET_ZONE) * module
                    y = top - (row_index + QUIET_ZONE + 1) * module
                    self.canvas.rect(x, y, module, module, stroke=0, fill=1)
        self.y = top - side - gap


def poster_pdf(texts: PosterTexts, url: str) -> bytes:
    """An A4 page: heading, title, invitation, the QR code, the link, the organisation, what the data is
    used for."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle(texts.title)
    page = _Page(canvas)
    page.text(texts.heading, FONT, 14, gap=18)
    page.text(texts.title, BOLD, 28, gap=16)
    page.text(texts.invitation, FONT, 17, gap=12)
    page.qr(qr_code(url), 300, gap=10)
    page.text(url, FONT, 13, gap=18)
    if texts.organisation:
        page.text(texts.organisation, FONT, 14, gap=14)
    page.text(texts.usage, FONT, 11)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def render_link_files(texts: PosterTexts, url: str) -> LinkFiles:
    return LinkFiles(png=qr_png(url), svg=qr_svg(url), pdf=poster_pdf(texts, url))
