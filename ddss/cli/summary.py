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

_STATUS = {"loaded": "đã nạp", "rejected": "TỪ CHỐI", "duplicate": "trùng (bỏ qua)", "skipped": "bỏ qua"}


def table(headers: list[str], rows: list[list[object]], indent: int = 6) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    pad = " " * indent
    lines = [pad + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, pad + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def batches(settings: Settings, province: str, batch_id: str | None = None) -> str:
    """The files of one ingest run (default: the most recent), one line each, then what the
    run noticed besides (manifest differences, sheets matching no dataset). A run that
    loaded nothing new says so instead of showing an earlier batch."""
    with connect_readonly(settings.province_db(province), settings.duckdb_config()) as con:
        batch_id = batch_id or con.execute("SELECT max(batch_id) FROM batches").fetchall()[0][0]
        rows = con.execute(
            """
            SELECT source_file, coalesce(dataset, '?'), status, rows_read, rows_staged,
                   rows_quarantined, coalesce(reason_vi, '')
            FROM batches WHERE batch_id = ? ORDER BY source_file
            """,
            [batch_id],
        ).fetchall()
        notes = con.execute(
            "SELECT source_file, reason_vi FROM batch_notes WHERE batch_id = ? ORDER BY kind, source_file", [batch_id]
        ).fetchall()
    out = []
    if not any(s in ("loaded", "rejected") for _, _, s, *_ in rows):
        seen = sum(s == "duplicate" for _, _, s, *_ in rows)
        out.append(
            f"Không có gì mới trong inbox: {seen} tệp đã nạp trước đây (cùng SHA-256), không nạp lại; "
            f"lô {batch_id} không thêm dòng nào. / Nothing new in the inbox: {seen} file(s) loaded before, nothing added."
        )
    if rows:
        body = [[f, d, _STATUS.get(s, s), r, st, q, reason] for f, d, s, r, st, q, reason in rows]
        out.append(table(["Tệp", "Tập dữ liệu", "Trạng thái", "Đọc", "Nạp", "Cách ly", "Lý do"], body))
    if notes:
        out.append("Ghi chú của lô (bảng kê, trang tính) / batch notes:")
        out.append(table(["Tệp", "Ghi chú"], [list(n) for n in notes]))
    return "\n".join(out)


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
