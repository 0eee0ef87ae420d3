"""One settings object, read explicitly; the CLI starts without importing GX or Prefect."""

from __future__ import annotations

import os
import re
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


BAD_SETTINGS = [
    ("max_file_mb = -1", "max_file_mb"),
    ("max_file_mb = 0", "max_file_mb"),
    ('max_file_mb = "big"', "max_file_mb"),
    ("max_fle_mb = 3", "did you mean 'max_file_mb'"),
    ("busy_timeout_s = -5", "busy_timeout_s"),
    ('as_of = "2025-13-01"', "as_of"),
    ("retention_days = 0", "retention_days"),
    ("data_dir = 5", "data_dir"),
    ('data_dir = "pyproject.toml"', "data_dir"),
    ("[tool.ddss.freshness_days]\npopulation = 0", "freshness_days.population"),
    ("[tool.ddss.freshness_days]\npopulaton = 30", "did you mean 'population'"),
    ('[tool.ddss.freshness_days]\nbirth = "x"', "freshness_days.birth"),
]


@pytest.mark.parametrize(("line", "named"), BAD_SETTINGS)
def test_every_bad_setting_is_named_and_refused_without_traceback(tmp_path: Path, line: str, named: str) -> None:
    """Each bad value: SettingsError naming the key and what is allowed (Vietnamese and
    English); through the CLI, exit BAD_INPUT and no traceback."""
    from ddss.exit_codes import ExitCode
    from ddss.settings import SettingsError

    (tmp_path / "pyproject.toml").write_text(f"[tool.ddss]\n{line}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=re.escape(named)) as e:
        Settings.load(tmp_path)
    assert "cần" in str(e.value) and "expected" in str(e.value)
    code = (
        "import sys; from pathlib import Path; import ddss.settings as m; "
        f"m.project_root = lambda: Path({str(tmp_path)!r}); sys.argv = ['ddss', 'suites', '--check']; "
        "from ddss.cli.app import main; main()"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == ExitCode.BAD_INPUT, r.stderr
    assert "Traceback" not in r.stderr and named.split("'")[0].split(".")[0] in r.stderr


def test_a_lawful_settings_table_loads(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ddss]\nmax_file_mb = 1\nbusy_timeout_s = 0.5\nas_of = "2026-11-01"\nretention_days = 30\n'
        "[tool.ddss.freshness_days]\nbirth = 10\n",
        encoding="utf-8",
    )
    s = Settings.load(tmp_path)
    assert (s.max_file_bytes, s.busy_timeout_s, s.retention_days, s.freshness_days) == (2**20, 0.5, 30, {"birth": 10})
    assert str(s.as_of) == "2026-11-01"


def _ddss(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ddss", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_env_folders_are_relative_to_the_current_folder_and_checked(tmp_path: Path) -> None:
    env = {**os.environ, "DDSS_DATA_DIR": "rel/data"}
    code = "from ddss.settings import Settings; print(Settings.load().data_dir)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    assert out.stdout.strip() == str(tmp_path / "rel" / "data")
    (tmp_path / "afile").write_text("x")
    r = _ddss(["validate", "--province", "79"], {**os.environ, "DDSS_REPORTS_DIR": "afile"}, tmp_path)
    assert r.returncode == 2 and "DDSS_REPORTS_DIR" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["ingest", "--province", "79", "--inbox", ".", "--agency", "cong an"], "--agency"),
        (["ingest", "--province", "99", "--inbox", "."], "--province"),
        (["validate", "--province", "99"], "--province"),
        (["validate", "--province", "79", "--as-of", "2026-02-30"], "--as-of"),
        (["purge", "--older-than-days", "-1"], "--older-than-days"),
        (["purge", "--province", "99"], "--province"),
        (["score", "--province", "99"], "--province"),
        (["gate", "--province", "99"], "--province"),
        (
            [
                "waive",
                "--province",
                "99",
                "--dataset",
                "birth",
                "--record-key",
                "k",
                "--check",
                "c",
                "--reason",
                "r",
                "--by",
                "b",
            ],
            "--province",
        ),
    ],
)
def test_bad_arguments_exit_bad_input_naming_the_argument(tmp_path: Path, args: list[str], named: str) -> None:
    env = {**os.environ, "DDSS_DATA_DIR": str(tmp_path / "d"), "DDSS_REPORTS_DIR": str(tmp_path / "r")}
    r = _ddss(args, env, ROOT)
    assert r.returncode == 2, r.stderr
    assert named in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "d").exists()  # nothing was done


def test_generate_refuses_a_province_code_not_in_force(tmp_path: Path) -> None:
    r = _ddss(["generate", "--province", "99", "--out", str(tmp_path / "out")], dict(os.environ), ROOT)
    assert r.returncode == 2 and "--province" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_help_is_fast_and_lazy() -> None:
    code = (
        "import sys; from ddss.cli.app import app; "
        "assert 'great_expectations' not in sys.modules and 'prefect' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('great_exp', 'prefect')))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    out = subprocess.run([sys.executable, "-m", "ddss", "--help"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "generate" in out and "kiểm tra" in out
