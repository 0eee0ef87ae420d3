"""What the steward reads after a run: per-file batch summary and counts per dimension.

Read from the province database (read-only), so the summary is the same whether the
run went through Prefect or not. Nothing personal is printed: counts and file names only.
"""

from __future__ import annotations

import polars as pl

from ddss.rules.catalog import DIMENSIONS, SEVERITIES
from ddss.settings import Settings
from ddss.store import connect_readonly, fetch_frame

__all__ = ["batches", "dimensions", "latest_findings", "table"]

_STATUS = {"loaded": "đã nạp", "rejected": "TỪ CHỐI", "duplicate": "trùng (bỏ qua)"}


def table(headers: list[str], rows: list[list[object]], indent: int = 6) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    pad = " " * indent
    lines = [pad + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, pad + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def batches(settings: Settings, province: str) -> str:
    """The files of the most recent ingest run, one line each."""
    with connect_readonly(settings.province_db(province), settings.duckdb_config()) as con:
        rows = con.execute(
            """
            SELECT source_file, coalesce(dataset, '?'), status, rows_read, rows_staged,
                   rows_quarantined, coalesce(reason_vi, '')
            FROM batches
            WHERE batch_id = (SELECT max(batch_id) FROM batches)
            ORDER BY source_file
            """
        ).fetchall()
    body = [[f, d, _STATUS.get(s, s), r, st, q, reason] for f, d, s, r, st, q, reason in rows]
    return table(["Tệp", "Tập dữ liệu", "Trạng thái", "Đọc", "Nạp", "Cách ly", "Lý do"], body)


def latest_findings(settings: Settings, province: str) -> tuple[str, pl.DataFrame]:
    """(run_id, findings) of the province's latest validation run."""
    with connect_readonly(settings.province_db(province), settings.duckdb_config()) as con:
        # From validation_runs: a run with no findings at all is still the latest run.
        ((run_id,),) = con.execute("SELECT run_id FROM validation_runs ORDER BY finished_at DESC LIMIT 1").fetchall()
        df = fetch_frame(con, "SELECT * FROM findings WHERE run_id = ?", [run_id])
    return run_id, df


def dimensions(findings: pl.DataFrame) -> str:
    """Findings per dimension x severity, with the Vietnamese labels."""
    counts = findings.group_by("dimension", "severity").len()
    rows = []
    for dim, label in DIMENSIONS.items():
        got = counts.filter(pl.col("dimension") == dim)
        by_sev = {sev: int(got.filter(pl.col("severity") == sev)["len"].sum()) for sev in SEVERITIES}
        rows.append([label, *by_sev.values(), sum(by_sev.values())])
    rows.append(["Tổng", *(sum(r[i] for r in rows) for i in (1, 2, 3))])
    return table(["Chiều", *SEVERITIES.values(), "Tổng"], rows)
