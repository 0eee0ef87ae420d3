"""Retention (Decree 13/2023): `ddss purge` removes quarantined raw rows and files older
than retention_days, keeps what is younger, and logs counts, never values."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ddss.exit_codes import ExitCode
from ddss.ingest import ingest_inbox
from ddss.retention import LOG_NAME, purge
from ddss.settings import Settings
from generators.province import generate

ROOT = Path(__file__).resolve().parents[2]


def _raw(db: Path) -> tuple[int, int, list[str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        total, kept = con.execute("SELECT count(*), count(raw_line) FROM quarantine_rows").fetchone()
        lines = [r for (r,) in con.execute("SELECT raw_line FROM quarantine_rows WHERE raw_line IS NOT NULL").fetchall()]
    return total, kept, lines


def test_purge_keeps_the_recent_and_removes_the_old(tmp_path) -> None:
    gen = generate(province="79", persons=300, seed=9, defect_rate=0.05, out=tmp_path / "batch")
    (gen.inbox / "garbage.csv").write_bytes(b"\x00\x01 not a batch\n")
    s = Settings.load(ROOT, data_dir=tmp_path / "data", reports_dir=tmp_path / "reports", gx_dir=tmp_path / "gx")
    ingest_inbox(s, "79", gen.inbox)
    db = s.province_db("79")
    total, kept, lines = _raw(db)
    assert total == kept > 0 and any((s.quarantine_dir("79")).rglob("garbage.csv"))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    young = purge(s, "79", now=now)  # the lawful row: within the period nothing goes
    assert sum(young.raw_rows.values()) == 0 and sum(young.files.values()) == 0
    assert _raw(db)[1] == kept and any(s.quarantine_dir("79").rglob("garbage.csv"))

    old = purge(s, "79", now=now + dt.timedelta(days=s.retention_days + 1))
    assert old.raw_rows == {"79": kept} and old.files == {"79": 1}
    assert _raw(db)[:2] == (total, 0)  # the findings stay, their raw text is gone
    assert not s.quarantine_dir("79").exists() or not any(s.quarantine_dir("79").iterdir())

    log = [json.loads(x) for x in (s.data_dir / LOG_NAME).read_text(encoding="utf-8").splitlines()]
    assert [sum(e["raw_rows"].values()) for e in log] == [0, kept]
    text = (s.data_dir / LOG_NAME).read_text(encoding="utf-8")
    assert not any(line and line in text for line in lines)  # counts, never values

    env = {**os.environ, "DDSS_DATA_DIR": str(s.data_dir), "DDSS_REPORTS_DIR": str(s.reports_dir)}
    r = subprocess.run([sys.executable, "-m", "ddss", "purge", "--province", "79"], capture_output=True, text=True, env=env)
    assert r.returncode == ExitCode.OK, r.stderr
    assert "0 dòng gốc" in r.stdout and LOG_NAME in r.stdout
