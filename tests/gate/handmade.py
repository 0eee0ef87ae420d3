"""Hand-made province files for score and land-group tests: a few rows, findings by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ddss.rules.catalog import by_id
from ddss.schema import DATASETS
from ddss.sql import ident
from ddss.store import writer

RUN = "20261101T000000000000-79-aaaaaa"
BATCH = "20261031T000000000000-79-bbbbbb"
T0 = dt.datetime(2026, 10, 31)


def open_province(folder: Path):
    return writer(Path(folder) / "province_79.duckdb")


def add_file(con: duckdb.DuckDBPyConnection, dataset: str, staged: int, quarantined: int = 0, batch: str = BATCH) -> None:
    con.execute(
        "INSERT INTO batches (batch_id, province, agency, dataset, source_file, file_sha256, rows_read, rows_staged,"
        " rows_quarantined, balanced, status, loaded_at) VALUES (?, '79', ?, ?, ?, ?, ?, ?, ?, true, 'loaded', ?)",
        [batch, DATASETS[dataset].agency, dataset, f"{dataset}.csv", "sha-" + dataset, staged + quarantined, staged,
         quarantined, T0],
    )  # fmt: skip


def add_run(con: duckdb.DuckDBPyConnection, run_id: str = RUN, started: dt.datetime | None = None) -> None:
    con.execute(
        "INSERT INTO validation_runs (run_id, province, as_of, started_at) VALUES (?, '79', DATE '2026-11-01', ?)",
        [run_id, started or T0 + dt.timedelta(hours=1)],
    )


def add_finding(con, dataset: str, row: int, check_id: str, run_id: str = RUN, key: str | None = None) -> None:
    c = by_id(check_id)
    con.execute(
        "INSERT INTO findings (run_id, agency, batch_id, dataset, source_file, source_row, record_key, check_id,"
        " dimension, severity, message_vi) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, DATASETS[dataset].agency, BATCH, dataset, f"{dataset}.csv", row, key or f"k{row}", check_id,
         c.dimension, c.severity, c.title_vi],
    )  # fmt: skip


def add_rows(con, dataset: str, rows: list[dict], batch: str = BATCH) -> None:
    for i, r in enumerate(rows, start=1):
        r = {"_batch_id": batch, "_source_file": f"{dataset}.csv", "_source_row": i, "_agency": DATASETS[dataset].agency,
             "_file_sha256": "sha-" + dataset, **r}  # fmt: skip
        cols = ", ".join(ident(k) for k in r)
        con.execute(f"INSERT INTO {ident('stg_' + dataset)} ({cols}) VALUES ({', '.join('?' * len(r))})", list(r.values()))
