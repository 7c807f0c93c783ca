"""Golden files pin the three export formats (and labels instead of codes) for fixed data and time.

After an intended change of format, regenerate them with `UPDATE_GOLDEN=1 pytest tests/test_exports_golden.py`
and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.services.exports import ExportFormat
from tests.conftest import START
from tests.harness import Running
from tests.staff_data import add_response

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


async def golden_round(bot: Running) -> int:
    await bot.store_survey((GOLDEN / "survey.yaml").read_text(encoding="utf-8"))
    rnd = await bot.open_round("golden-survey", payload="golden")
    async with bot.services() as services:
        await add_response(
            services,
            rnd.id,
            "a" * 32,
            started=START,
            minutes=12,
            language="fr",
            answers={
                "district": ("other", '=HYPERLINK("http://evil.example","click")'),
                "topics": (["culture", "other"], "@SUM(1+1)"),
                "likes": "yes",
                "score": 4,
                "age": 34,
                "km": 2.5,
                "idea": "=1+1",
                "when": "2026-12-01",
                "priorities": ["free", "near"],
            },
        )
        await add_response(
            services,
            rnd.id,
            "b" * 32,
            started=START + timedelta(hours=1),
            minutes=None,
            language="ar",
            source="poster",
            answers={"district": "gilly", "topics": ["sport"]},
            current="likes",
        )
        await add_response(
            services,
            rnd.id,
            "c" * 32,
            started=START + timedelta(hours=2),
            minutes=5,
            language="en",
            answers={
                "district": "jumet",
                "likes": "no",
                "score": 1,
                "idea": "-5 degrees\nand\ttabs",
                "priorities": ["evening", "near"],
                "km": None,
            },
        )
    return rnd.id


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="")
    assert actual == path.read_bytes().decode("utf-8"), f"{name} differs: UPDATE_GOLDEN=1 to accept"


def sheets(path: Path) -> dict[str, list[list[Any]]]:
    book = load_workbook(path)
    result = {
        name: [[cell.value for cell in row] for row in book[name].iter_rows()] for name in book.sheetnames
    }
    formulas = [
        cell.coordinate for ws in book for row in ws.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert formulas == [], "no cell may be a live formula"
    return result


@pytest.mark.parametrize(
    ("fmt", "labels", "golden"),
    [
        (ExportFormat.CSV, None, "export.csv"),
        (ExportFormat.CSV, "en", "export.labels-en.csv"),
        (ExportFormat.JSON, None, "export.jsonl"),
    ],
)
async def test_text_exports_match_golden_files(
    bot: Running, tmp_path: Path, fmt: ExportFormat, labels: str | None, golden: str
) -> None:
    """CSV (BOM, neutralised formulas, 0/1 and rank columns) and JSON Lines, byte for byte."""
    round_id = await golden_round(bot)
    async with bot.services() as services:
        exported = await services.exports.export(round_id, fmt, tmp_path, labels=labels)
    assert (exported.responses, exported.completed) == (3, 2)
    raw = exported.path.read_bytes()
    if fmt is ExportFormat.CSV:
        assert raw.startswith(b"\xef\xbb\xbf")
    check(golden, raw.decode("utf-8"))


async def test_xlsx_export_matches_golden_cell_values(bot: Running, tmp_path: Path) -> None:
    """The workbook's data, codebook and summary sheets, read back cell by cell; no live formula."""
    round_id = await golden_round(bot)
    async with bot.services() as services:
        exported = await services.exports.export(round_id, ExportFormat.XLSX, tmp_path)
    lines = [
        f"{name}: {json.dumps(row, ensure_ascii=False)}"
        for name, rows in sheets(exported.path).items()
        for row in rows
    ]
    check("export.xlsx.txt", "\n".join(lines) + "\n")


async def test_empty_round_exports_headers_only(bot: Running, tmp_path: Path) -> None:
    """No responses yet: the CSV has its header row and nothing else."""
    rnd = await bot.open_round(payload="learning")
    async with bot.services() as services:
        exported = await services.exports.export(rnd.id, ExportFormat.CSV, tmp_path)
    lines = exported.path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 and lines[0].startswith("respondent,language,source,assisted,started")


async def test_pseudonyms_are_stable_within_a_round_and_differ_across_rounds(
    bot: Running, tmp_path: Path
) -> None:
    """Two exports of one round agree; the same respondent id in another round gets another pseudonym."""
    from bot.services.export_layout import pseudonym

    key = bot.app.ctx.pseudonym_key
    assert pseudonym(key, 1, "a" * 32) == pseudonym(key, 1, "a" * 32)
    assert pseudonym(key, 1, "a" * 32) != pseudonym(key, 2, "a" * 32)
    assert len(pseudonym(key, 1, "a" * 32)) == 16
