"""One settings object, read explicitly; the CLI starts without importing GX or Prefect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ddss import store
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


def test_duckdb_limits_reach_every_connection(tmp_path: Path) -> None:
    assert Settings.load(ROOT).duckdb_config() == {}  # unset: DuckDB's own defaults
    (tmp_path / "pyproject.toml").write_text('[tool.ddss]\nduckdb_memory_limit = "256MB"\nduckdb_threads = 1\n', encoding="utf-8")
    s = Settings.load(tmp_path)
    assert s.duckdb_config() == {"memory_limit": "256MB", "threads": "1"}
    with store.writer(s.province_db("79"), config=s.duckdb_config()) as con:
        got = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()[0]
    assert got == ("244.1 MiB", 1)
    with store.connect_readonly(s.province_db("79"), s.duckdb_config()) as con:
        assert con.execute("SELECT current_setting('threads')").fetchall()[0][0] == 1


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('duckdb_memory_limit = "lots"', "duckdb_memory_limit"),
        ("duckdb_memory_limit = 4", "duckdb_memory_limit"),
        ("duckdb_threads = 0", "duckdb_threads"),
        ("duckdb_threads = true", "duckdb_threads"),
    ],
)
def test_bad_duckdb_limits_are_refused_when_settings_load(tmp_path: Path, line: str, key: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.ddss]\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=key) as e:
        Settings.load(tmp_path)
    assert "cần" in str(e.value) and "expected" in str(e.value)


def test_help_is_fast_and_lazy() -> None:
    code = (
        "import sys; from ddss.cli.app import app; "
        "assert 'great_expectations' not in sys.modules and 'prefect' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('great_exp', 'prefect')))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    out = subprocess.run([sys.executable, "-m", "ddss", "--help"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "generate" in out and "kiểm tra" in out
