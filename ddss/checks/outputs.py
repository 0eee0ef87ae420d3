"""A validation run's files: ``reports/<run_id>/`` appears whole or not at all.

Files are written into ``reports/.partial-<run_id>/`` (findings.parquet, findings.csv,
then the run record ``run.json`` last) and the folder is renamed into place only after
the run is committed to the database. A full or read-only disk leaves no partial
``findings.csv`` behind (the temporary folder is removed) and raises StorageError naming
the folder; a process killed mid-way leaves only a ``.partial-`` folder, which no reader
takes for a run and ``ddss purge`` removes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl

from ddss.mask import excel_safe_frame
from ddss.storage_errors import StorageError, storage_error

__all__ = ["PARTIAL_PREFIX", "RUN_RECORD", "discard", "publish", "write_run"]

PARTIAL_PREFIX = ".partial-"
RUN_RECORD = "run.json"


def write_run(reports_dir: Path, run_id: str, findings: pl.DataFrame, record: dict) -> Path:
    """Write the run's files into a temporary folder; returns it (see ``publish``)."""
    tmp = reports_dir / f"{PARTIAL_PREFIX}{run_id}"
    try:
        tmp.mkdir(parents=True, exist_ok=False)
        with_run = findings.with_columns(pl.lit(run_id).alias("run_id")).select("run_id", *findings.columns)
        with_run.write_parquet(tmp / "findings.parquet")
        # A steward opens the CSV in a spreadsheet: no cell may start a formula (OWASP).
        excel_safe_frame(with_run).write_csv(tmp / "findings.csv")
        _write_json(tmp / RUN_RECORD, {**record, "complete": True})
    except Exception as e:
        discard(tmp)
        raise _storage(e, reports_dir) from None
    return tmp


def publish(tmp: Path) -> Path:
    final = tmp.with_name(tmp.name.removeprefix(PARTIAL_PREFIX))
    try:
        os.rename(tmp, final)
    except OSError as e:
        discard(tmp)
        raise _storage(e, tmp.parent) from None
    return final


def discard(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.flush()
        os.fsync(f.fileno())


def _storage(exc: Exception, folder: Path) -> Exception:
    found = storage_error(exc, folder)
    if found is None:
        return exc
    return StorageError(folder, found.cause) if isinstance(found.cause, OSError) else found
