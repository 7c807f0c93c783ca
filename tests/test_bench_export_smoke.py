"""The export benchmark keeps working: a tiny round exported in every format, beside its references.

Speed is never asserted (it depends on the machine). What is checked: every `consultbot export` and both
references ran to the end and wrote one row per response, and our CSV is, byte for byte, the plain
csv.writer reference's. SQLite only: the benchmark empties the PostgreSQL database it is given.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import export

RESPONSES = 50


def test_every_export_has_as_many_rows_as_the_reference(tmp_path: Path) -> None:
    """50 responses × 10 questions: CSV, XLSX and JSON Lines each hold the reference's 50 rows."""
    output = tmp_path / "export.json"
    export.main(["--responses", str(RESPONSES), "--questions", "10", "--output", str(output)])
    result = json.loads(output.read_text(encoding="utf-8"))
    assert {"benchmark", "at", "machine"} <= result.keys()
    assert result["parameters"]["answers"] == RESPONSES * 10
    assert result["all_exit_codes_zero"] is True
    reference = result["reference_python"]
    assert reference["rows"] == RESPONSES
    for fmt in export.FORMATS:
        figures = result["exports"][fmt]
        assert figures["rows"] == reference["rows"], fmt
        assert figures["seconds"] > 0 and figures["peak_rss_mb"] > 0, fmt
    assert result["database_dump"]["rows"] == RESPONSES
    assert result["rows_match"] is True
    assert result["csv_identical_to_reference"] is True, result["csv_first_difference_row"]
    assert result["csv_ratio_to_reference"] > 0
