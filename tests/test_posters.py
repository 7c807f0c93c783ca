"""QR codes and posters of survey links, receipt codes and link codes: pure functions, no bot."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
import segno
import zxingcpp
from PIL import Image

from bot.i18n import load_catalogs
from bot.services.assisted import (
    RECEIPT_ALPHABET,
    new_receipt,
    normalise_receipt,
    receipt_hash,
    shown_receipt,
)
from bot.services.links import is_link, new_code
from bot.services.posters import FONT, poster_pdf, poster_texts, qr_png, qr_svg, register_fonts, visual, wrap

URL = "https://t.me/consultbot_test_bot?start=w-AbCdEfGh12"
TITLES = {
    "fr": "Charleroi, ville apprenante",
    "ar": "شارلروا، مدينة متعلمة",
    "uk": "Шарлеруа — місто, що навчається",
}


def pdf_page(pdf: bytes) -> tuple[int, Image.Image, str]:
    """The page count, the first page as an image (300 dpi-ish) and its text."""
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    image = page.render(scale=3).to_pil()
    text = " ".join(page.get_textpage().get_text_range().split())
    return len(document), image, text


@pytest.mark.parametrize("language", ["fr", "ar", "uk"])
def test_the_poster_is_one_page_whose_qr_code_opens_the_link(language: str) -> None:
    """An A4 page in the chosen language (texts from the catalogs); its QR code decodes to the link."""
    catalogs = load_catalogs("fr")
    texts = poster_texts(
        lambda message, lang: str(catalogs.gettext(message, locale=lang)),
        language,
        "Charleroi",
        TITLES[language],
        "Maison de quartier",
    )
    pages, image, text = pdf_page(poster_pdf(texts, URL))
    assert pages == 1
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [URL]
    assert URL in text
    if language != "ar":  # pdfium gives Arabic back in drawing order, which says little
        assert TITLES[language] in text and "Maison de quartier" in text


def test_png_is_large_enough_to_print_and_svg_is_the_same_code() -> None:
    """The PNG is at least 1000 px a side and decodes to the link; the SVG draws segno's own matrix."""
    image = Image.open(io.BytesIO(qr_png(URL)))
    assert min(image.size) >= 1000
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [URL]
    svg = qr_svg(URL).decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert segno.make(URL, error="m", micro=False).matrix == segno.make(URL, error="m").matrix


def test_arabic_is_shaped_and_ordered_for_drawing() -> None:
    """Right-to-left lines are reshaped (presentation forms) and wrapped within the width."""
    register_fonts()
    lines = wrap("تساعد إجاباتكم المدينة على التحضير لقراراتها " * 4, FONT, 11, 200)
    assert len(lines) > 1
    drawn = visual(lines[0])
    assert any("\ufe70" <= ch <= "\ufefc" for ch in drawn)  # joined letter forms


def test_link_codes_fit_telegrams_deep_links_and_differ_from_round_payloads() -> None:
    """`w-` + 10 base62 characters: within 64 characters of A–Z a–z 0–9 _ -, and never a round payload."""
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"w-[A-Za-z0-9]{10}", code) and is_link(code) for code in codes)
    assert not is_link("learning")


def test_receipt_codes_are_unambiguous_and_only_their_keyed_hash_is_stored() -> None:
    """8 characters without 0/O or 1/I/L, shown as XXXX-XXXX; typed back in any case, with or without
    the dash, they give the same keyed hash; another key gives another hash."""
    code = new_receipt()
    assert len(code) == 8 and set(code) <= set(RECEIPT_ALPHABET)
    assert not set("01OIL") & set(RECEIPT_ALPHABET)
    shown = shown_receipt(code)
    assert normalise_receipt(f" {shown.lower()} ") == code
    assert receipt_hash(b"k", shown.lower()) == receipt_hash(b"k", code) != receipt_hash(b"other", code)
    assert code not in receipt_hash(b"k", code)
