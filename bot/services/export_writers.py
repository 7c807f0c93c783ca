"""Export files, written a batch of rows at a time (callers run each batch in a thread).

Formula injection: a cell starting with = + - @ tab or carriage return is prefixed with ' in CSV, and in
XLSX every text is written as a string cell (openpyxl would otherwise store "=…" as a live formula).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from bot.services.export_layout import Cell

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


class ExportWriter(Protocol):
    def write(self, rows: Sequence[Any]) -> None: ...

    def close(self, codebook: Iterable[Sequence[Cell]], summary: Iterable[Sequence[Cell]]) -> None: ...


class CsvWriter:
    """UTF-8 with a BOM (so Excel reads it right), one header row, one row per response."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self._file = path.open("w", encoding="utf-8", newline="")
        self._file.write(BOM)
        self._csv = csv.writer(self._file)
        self._csv.writerow(header)

    def write(self, rows: Sequence[Any]) -> None:
        self._csv.writerows(  # the formula guard, inline: it runs for every cell
            [["'" + c if isinstance(c, str) and c.startswith(DANGEROUS) else c for c in row] for row in rows]
        )

    def close(self, codebook: Iterable[Sequence[Cell]], summary: Iterable[Sequence[Cell]]) -> None:
        self._file.close()


class JsonLinesWriter:
    """One JSON object per response per line: full fidelity, and it streams."""

    def __init__(self, path: Path) -> None:
        self._file: io.TextIOWrapper = path.open("w", encoding="utf-8", newline="\n")

    def write(self, rows: Sequence[Any]) -> None:
        self._file.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)

    def close(self, codebook: Iterable[Sequence[Cell]], summary: Iterable[Sequence[Cell]]) -> None:
        self._file.close()


class XlsxWriter:
    """Sheets `data`, `codebook` and `summary`; openpyxl's write-only mode keeps memory flat."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        # Imported here, not at the top: CSV and JSON exports (and the bot's start) need none of it.
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ERROR_CODES

        self._text_cell = WriteOnlyCell
        self._error_codes = frozenset(ERROR_CODES)
        self._path = path
        self._book = Workbook(write_only=True)
        self._data = self._book.create_sheet("data")
        self._codebook = self._book.create_sheet("codebook")
        self._summary = self._book.create_sheet("summary")
        self._data.append(self._cells(self._data, header))

    def _cells(self, sheet: Any, row: Sequence[Cell]) -> list[Any]:
        """openpyxl stores a text as a string cell unless it reads as a formula ("=…") or an error code
        ("#N/A"): those, and only those (a cell object costs openpyxl an exception), are forced to text."""
        return [
            self._as_text(sheet, value)
            if isinstance(value, str) and (value.startswith("=") or value in self._error_codes)
            else value
            for value in row
        ]

    def _as_text(self, sheet: Any, value: str) -> Any:
        cell = self._text_cell(sheet, value=value)
        cell.data_type = "s"
        return cell

    def write(self, rows: Sequence[Any]) -> None:
        for row in rows:
            self._data.append(self._cells(self._data, row))

    def close(self, codebook: Iterable[Sequence[Cell]], summary: Iterable[Sequence[Cell]]) -> None:
        for row in codebook:
            self._codebook.append(self._cells(self._codebook, row))
        for row in summary:
            self._summary.append(self._cells(self._summary, row))
        self._book.save(self._path)
