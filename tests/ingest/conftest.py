"""Good batch files to start from (a tiny clean province), made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.province import generate

GOOD_PERSONS = 1000  # enough that every dataset has rows (a header-only file is rejected)


@pytest.fixture(scope="session")
def good(tmp_path_factory) -> dict[str, Path]:
    """form -> inbox folder of a clean small province (csv canonical, csv vi, csv vi in
    Windows-1258, parquet, xlsx)."""
    root = tmp_path_factory.mktemp("good")
    forms = {
        "csv": {},
        "vi": {"headers": "vi", "dates": "vn", "decimal_comma": True},
        "cp1258": {"headers": "vi", "dates": "vn", "decimal_comma": True, "encoding": "cp1258"},
        "parquet": {"fmt": "parquet"},
        "xlsx": {"fmt": "xlsx"},
    }
    return {
        name: generate(province="79", persons=GOOD_PERSONS, seed=3, defect_rate=0.0, out=root / name, **form).inbox
        for name, form in forms.items()
    }
