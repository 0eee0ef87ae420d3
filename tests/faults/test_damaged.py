"""A damaged province database (truncated, header overwritten) is refused before anything
is written to it: exit DAMAGED_DATABASE with the file named, the file's bytes unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ddss.exit_codes import ExitCode
from ddss.store.guard import DamagedDatabase, check_file
from tests.faults.conftest import as_of, copy_data, ddss


def _truncate(db: Path) -> None:
    with open(db, "r+b") as f:
        f.truncate(db.stat().st_size // 2)


def _overwrite_header(db: Path) -> None:
    with open(db, "r+b") as f:
        f.write(b"\xff" * 4096)


def _zero_block_header(db: Path) -> None:
    with open(db, "r+b") as f:
        f.seek(4096)
        f.write(b"\x00" * 8192)


DAMAGE = {"truncated": _truncate, "header overwritten": _overwrite_header, "database headers zeroed": _zero_block_header}


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_file_is_refused_by_the_check(loaded, tmp_path, damage) -> None:
    db = copy_data(loaded, tmp_path / "data") / "province_79.duckdb"
    check_file(db)  # the lawful row: a whole file passes
    DAMAGE[damage](db)
    with pytest.raises(DamagedDatabase):
        check_file(db)


@pytest.mark.parametrize("damage", ["truncated", "header overwritten"])
def test_ingest_and_validate_refuse_a_damaged_file_and_write_nothing(loaded, tmp_path, damage) -> None:
    data = copy_data(loaded, tmp_path / "data")
    db = data / "province_79.duckdb"
    DAMAGE[damage](db)
    before = _sha(db)
    for args in (
        ["ingest", "--province", "79", "--inbox", str(loaded.inbox)],
        ["validate", "--province", "79", "--as-of", as_of()],
    ):
        r = ddss(args, data, tmp_path / "reports", tmp_path / "gx")
        assert r.returncode == ExitCode.DAMAGED_DATABASE, (args, r.stderr[-2000:])
        assert "Traceback" not in r.stderr and str(db) in r.stderr and "hỏng" in r.stderr and "damaged" in r.stderr
        assert _sha(db) == before  # detected before anything was written
        assert not (data / "province_79.duckdb.wal").exists()
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
