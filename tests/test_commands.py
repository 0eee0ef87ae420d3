"""The steward's commands, run as a steward runs them: the installed ``ddss`` in a
subprocess (README command 1 is ``ddss demo``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from generators.province import generate

DDSS = str(Path(sys.executable).with_name("ddss"))


def _ddss(*args: str, env_dirs: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if env_dirs:
        env |= {
            "DDSS_DATA_DIR": str(env_dirs / "data"),
            "DDSS_REPORTS_DIR": str(env_dirs / "reports"),
            "DDSS_GX_DIR": str(env_dirs / "gx"),
        }
    return subprocess.run([DDSS, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_demo_runs_the_whole_path_through_prefect(tmp_path):
    r = _ddss("demo", "--persons", "1000", "--workdir", str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    for step in (
        "[1/4]",
        "[2/4]",
        "[3/4]",
        "[4/4]",
        "(Prefect flow)",
        "population.csv",
        "Đúng",
        "Sống",
        "Tổng (",
        "Bắt đủ và đúng",
        "Xét chuyển:",  # scorecard, decision and counts promoted/held (issue #17)
        "chuyển lên CSDL quốc gia",
        "Báo cáo HTML",
    ):
        assert step in out, step
    assert list((tmp_path / "reports").glob("*/findings.csv"))
    assert list((tmp_path / "reports").glob("*/index.html"))  # the steward's report (issue #18)
    assert (tmp_path / "data" / "province_79.duckdb").exists()


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    gen = generate(province="79", persons=1000, seed=4, defect_rate=0.01, out=root / "batch", headers="vi", dates="vn")
    (gen.inbox / "scan.pdf.csv").write_bytes(b"%PDF-1.4\x00\x01binary")
    return root


def test_ingest_then_validate_then_evaluate(batch):
    work = batch / "work"
    r = _ddss("ingest", "--province", "79", "--inbox", str(batch / "batch" / "inbox"), env_dirs=work)
    assert r.returncode == 1, r.stderr
    assert "1 tệp bị từ chối" in r.stderr
    assert "scan.pdf.csv" in r.stdout and "TỪ CHỐI" in r.stdout and "nhị phân" in r.stdout

    r = _ddss("validate", "--province", "79", "--as-of", "2026-11-01", env_dirs=work)
    # không đạt (a file was rejected; 1 % defects): exit 1, the steward must act (ddss.exit_codes)
    assert r.returncode == 1, r.stderr
    assert "KHÔNG ĐẠT" in r.stdout and "scorecard.json" in r.stdout
    assert "Đúng" in r.stdout and "Sạch" in r.stdout
    findings = Path(r.stdout.strip().splitlines()[-1].split(": ", 1)[1])
    assert findings.exists() and findings.is_relative_to(work)

    manifest = batch / "batch" / "ground_truth" / "manifest.csv"
    r = _ddss("evaluate", "--findings", str(findings), "--manifest", str(manifest))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "100,0%" in r.stdout

    # A defect the checks never saw: evaluate must say so and fail.
    tampered = batch / "tampered.csv"
    m = pl.read_csv(manifest, infer_schema=False)
    pl.concat([m, m.head(1).with_columns(pl.lit("999999").alias("source_row"))]).write_csv(tampered)
    r = _ddss("evaluate", "--findings", str(findings), "--manifest", str(tampered))
    assert r.returncode == 1 and "CÓ SAI LỆCH" in r.stderr


@pytest.mark.parametrize("command", ["validate", "score", "gate"])
def test_a_command_without_data_says_what_to_do(tmp_path, command):
    r = _ddss(command, "--province", "79", env_dirs=tmp_path)
    assert r.returncode == 2 and "ddss ingest" in r.stderr and "No data for province 79" in r.stderr
    assert not (tmp_path / "data" / "province_79.duckdb").exists()
