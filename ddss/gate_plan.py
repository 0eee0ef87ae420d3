"""The gate's plan for one dataset of a run, as SQL over the province file.

- ``held_select``: every row the gate holds, with its reasons, in the columns of the
  province's ``holds`` table (store.gate.stage_holds inserts it as the run's pending holds).
  A row is held for unwaived blocking findings (every reason), for a check that could not run
  ("chưa kiểm tra được"), for a "block batch" dataset below its threshold, for an
  incomplete natural key, or for a natural key repeated in the batch (all but the first row).
- ``promoted_rows``: every other staged row of the file, in the national database's
  incoming columns: the staged rows without a pending hold of the run. The national store
  copies them with one INSERT … SELECT (store.national.ProvinceRows).
- ``promoted_keys``: the record keys of those rows (earlier holds they close).

So the rows are classified once by one query, and promoted + held = staged holds by
construction of the two SELECTs; the gate still checks it on the counts each statement wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from ddss.schema import DATASETS, staging_table
from ddss.sql import ident
from ddss.store.national import ProvinceRows
from ddss.store.national_tables import incoming_columns, key_parts

__all__ = ["HOLD_EN", "HOLD_VI", "DatasetPlan", "blocking_reasons"]

HOLD_VI = {
    "batch": "Cả lô không được chuyển: tập dữ liệu dưới ngưỡng theo chính sách chặn cả lô.",
    "not_run": "Chưa kiểm tra được: ",
    "key_missing": "Thiếu một phần khoá tự nhiên (không xác định được bản ghi trong CSDL quốc gia).",
    "key_duplicate": "Khoá tự nhiên lặp lại trong lô; chỉ bản ghi đầu tiên được xét chuyển.",
}
HOLD_EN = {
    "batch": "Whole batch held: the dataset is below a block-batch threshold.",
    "not_run": "Not checked: ",
    "key_missing": "Natural key incomplete.",
    "key_duplicate": "Natural key repeated in the batch; only the first row is considered.",
}


def _record_key_sql(dataset: str) -> str:
    # The same record_key the findings carry (ddss.checks.findings) for non-population datasets.
    parts = ", ".join(f"coalesce(CAST(t.{ident(k)} AS VARCHAR), '')" for k in DATASETS[dataset].key)
    return f"concat_ws('|', {parts})"


def blocking_reasons(eff: pl.DataFrame, dataset: str) -> pa.Table:
    """Per source row of ``dataset``: its unwaived blocking check ids and their messages."""
    return (
        eff.filter((pl.col("dataset") == dataset) & pl.col("blocking"))
        .sort("source_row", "check_id")
        .group_by("source_row", maintain_order=True)
        .agg(
            pl.col("check_id").alias("check_ids"),
            pl.concat_str([pl.col("check_id"), pl.col("message_vi")], separator=": ").str.join("; ").alias("reasons_vi"),
        )
        .to_arrow()
    )


@dataclass(frozen=True)
class DatasetPlan:
    """One dataset's file in a run: what the gate holds and promotes of it."""

    run_id: str
    province: str
    dataset: str
    batch_id: str
    source_file: str
    pending: str = "pending_holds"  # where the run's pending holds are (store.gate.pending_table)
    # The largest source row the run holds in this dataset (store.gate.held_max): -1 when none
    # is held, None when not read (then promoted_rows filters by an ANTI JOIN, as before).
    held_max: int | None = None

    def _file(self) -> dict:
        return {"batch": self.batch_id, "file": self.source_file}

    def held_select(self, batch_blocked: bool, not_run: tuple[str, str] | None) -> tuple[str, dict]:
        """SELECT of the held rows in ``holds`` columns; ``_ddss_block`` = ``blocking_reasons``.
        ``not_run``: the reason (vi, en) when a check of the dataset could not run."""
        parts = key_parts(self.dataset, "t")
        keys = [f"_k{i}" for i in range(len(parts))]
        record = DATASETS[self.dataset].key
        # Repeated keys by a hash aggregate on the key columns (no string built per row, no
        # sort); the record key is built for the held rows only.
        sql = f"""
            WITH t AS (
                SELECT {", ".join(f"{p} AS {k}" for p, k in zip(parts, keys, strict=True))},
                       {", ".join(f"t.{ident(c)} AS _r{i}" for i, c in enumerate(record))},
                       t._agency, t._batch_id, t._source_file, t._source_row
                FROM {ident(staging_table(self.dataset))} t
                WHERE t._batch_id = $batch AND t._source_file = $file
            ),
            dup AS (SELECT {", ".join(keys)}, min(_source_row) AS _first FROM t GROUP BY ALL HAVING count(*) > 1),
            c AS (
                SELECT t.*, b.check_ids AS _check_ids, b.reasons_vi AS _reasons_vi,
                       CASE WHEN $batch_blocked THEN 'batch'
                            WHEN $not_run THEN 'not_run'
                            WHEN b.source_row IS NOT NULL THEN 'findings'
                            WHEN {" OR ".join(f"t.{k} IS NULL" for k in keys)} THEN 'key_missing'
                            WHEN d._first IS NOT NULL AND t._source_row <> d._first THEN 'key_duplicate'
                       END AS _hold
                FROM t
                LEFT JOIN _ddss_block b ON b.source_row = t._source_row
                LEFT JOIN dup d ON {" AND ".join(f"d.{k} = t.{k}" for k in keys)}
            )
            SELECT $run, $province, _agency, $dataset, _batch_id, _source_file, _source_row,
                   concat_ws('|', {", ".join(f"coalesce(CAST(_r{i} AS VARCHAR), '')" for i in range(len(record)))}),
                   CASE _hold WHEN 'findings' THEN _reasons_vi WHEN 'not_run' THEN $not_run_vi
                        WHEN 'batch' THEN $batch_vi WHEN 'key_missing' THEN $missing_vi ELSE $duplicate_vi END,
                   CASE _hold WHEN 'findings' THEN 'Blocking findings: ' || array_to_string(_check_ids, ', ')
                        WHEN 'not_run' THEN $not_run_en WHEN 'batch' THEN $batch_en
                        WHEN 'key_missing' THEN $missing_en ELSE $duplicate_en END,
                   coalesce(_check_ids, []::VARCHAR[]), now()::TIMESTAMP
            FROM c WHERE _hold IS NOT NULL
        """  # noqa: S608 - identifiers from the schema only; values are bound
        text = not_run or ("", "")
        params = {
            **self._file(),
            "run": self.run_id,
            "province": self.province,
            "dataset": self.dataset,
            "batch_blocked": batch_blocked,
            "not_run": not_run is not None,
            "not_run_vi": HOLD_VI["not_run"] + text[0],
            "not_run_en": HOLD_EN["not_run"] + text[1],
            **{f"{k}_{lang}": d[hold] for hold, k in _TEXTS for lang, d in (("vi", HOLD_VI), ("en", HOLD_EN))},
        }
        return sql, params

    def _not_held(self, catalog: str) -> str:
        return (
            f"FROM {catalog}{ident(staging_table(self.dataset))} t "  # noqa: S608 - identifiers only
            f"ANTI JOIN (SELECT source_row FROM {catalog}{ident(self.pending)} WHERE run_id = $run AND dataset = $dataset) h "
            "ON h.source_row = t._source_row WHERE t._batch_id = $batch AND t._source_file = $file"
        )

    def _promotable(self, catalog: str) -> str:
        """FROM … WHERE of the staged rows without a pending hold, for the national INSERT.

        The held rows are left out by a bit mask (one bit per source row up to the largest
        held, built once by a scalar subquery), not by an ANTI JOIN: a join in the SELECT makes
        DuckDB use its unordered insert, whose row groups the commit compresses again
        (0.2–0.3 s of the national commit at 1 M persons, docs/gate-speed.md); a filter keeps
        the ordered batch insert of a plain copy."""
        if self.held_max is None:
            return self._not_held(catalog)
        where = (
            f"FROM {catalog}{ident(staging_table(self.dataset))} t "  # noqa: S608 - identifiers only
            "WHERE t._batch_id = $batch AND t._source_file = $file"
        )
        if self.held_max < 0:
            return where
        mask = (
            "SELECT bitstring_agg(source_row, 0, $held_max) "  # noqa: S608 - identifiers only
            f"FROM {catalog}{ident(self.pending)} WHERE run_id = $run AND dataset = $dataset"
        )
        # CASE, not OR: a row past the mask must never reach get_bit (it would be out of range),
        # and DuckDB evaluates a CASE branch only for the rows that take it.
        bit = f"get_bit(({mask}), CAST(t._source_row AS INTEGER)) = 0"
        return f"{where} AND CASE WHEN t._source_row > $held_max THEN true ELSE {bit} END"

    def promoted_rows(self, path: Path, config: dict[str, str] | None = None, con: object = None) -> ProvinceRows:
        """The rows to promote: staged, no pending hold of the run (``incoming_columns``);
        ``con``: the gate's open province connection, if any (ProvinceRows.con)."""
        n = len(DATASETS[self.dataset].columns)
        cols = ", ".join(f"t.{ident(c)}" for c, _ in incoming_columns(self.dataset)[:n])

        def sql(catalog: str) -> str:
            # (no key string per row: the national tables are keyed by the key columns themselves)
            return (
                f"SELECT {cols}, $province AS _province, t._agency, t._batch_id, "  # noqa: S608
                f"t._source_file, t._file_sha256, t._source_row {self._promotable(catalog)}"
            )

        params = {**self._file(), "province": self.province}
        if self.held_max is None or self.held_max >= 0:
            params |= {"run": self.run_id, "dataset": self.dataset}
        if self.held_max is not None and self.held_max >= 0:
            params["held_max"] = self.held_max
        return ProvinceRows(path, sql, params, config, con)

    def promoted_keys(self) -> tuple[str, dict]:
        """SELECT (dataset, record_key) of the rows promoted that have an open hold from an
        earlier gate (run while the run's pending holds exist)."""
        sql = (
            f"SELECT $dataset, k FROM (SELECT {_record_key_sql(self.dataset)} AS k {self._not_held('')}) "  # noqa: S608
            "WHERE k IN (SELECT record_key FROM holds WHERE closed_run IS NULL AND dataset = $dataset)"
        )
        return sql, {**self._file(), "run": self.run_id, "dataset": self.dataset}

    def staged_count(self) -> tuple[str, list]:
        return (
            f"SELECT count(*) FROM {ident(staging_table(self.dataset))} WHERE _batch_id = ? AND _source_file = ?",  # noqa: S608
            [self.batch_id, self.source_file],
        )


_TEXTS = (("batch", "batch"), ("key_missing", "missing"), ("key_duplicate", "duplicate"))
