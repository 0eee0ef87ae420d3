"""One settings object, read explicitly; the CLI starts without importing GX or Prefect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ddss.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_read_pyproject(tmp_path: Path) -> None:
    s = Settings.load(ROOT)
    assert s.province_db("79") == ROOT / "data" / "province_79.duckdb"
    assert s.freshness_days["population"] > 0
    assert s.prefect_env()["DO_NOT_TRACK"] == "1"
    assert s.prefect_env()["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    moved = Settings.load(ROOT, data_dir=tmp_path)
    assert moved.province_db("01").parent == tmp_path


def test_help_is_fast_and_lazy() -> None:
    code = (
        "import sys; from ddss.cli.app import app; "
        "assert 'great_expectations' not in sys.modules and 'prefect' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('great_exp', 'prefect')))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    out = subprocess.run([sys.executable, "-m", "ddss", "--help"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "generate" in out and "kiểm tra" in out
