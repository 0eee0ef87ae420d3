"""Findings browser speed on a run with 1 M findings (goal: ≤ 300 ms per page), and the
speed of its downloads.

Writes a ``findings.parquet`` of N findings (checks, datasets, dimensions and severities
drawn from the catalogue, masked-looking values, sorted as validate writes them), then
starts the real app the way ``ddss serve`` does (uvicorn, 127.0.0.1, free port): its
start-up copies the newest run into memory and renders its first page before it
listens. Timed, as whole HTTP requests: the first request after start-up, then 5 of each
page (first page, filtered, filtered and sorted by value, a deep page, a check filter),
median and worst. Downloads: the XLSX and the CSV of the same filtered list of about
100 000 findings.

Floors, measured in the same run (the machine is shared, so ratios say more than times):
a page = DuckDB reading the same 100 rows straight from the Parquet file (no server, no
HTML) plus the server's smallest response (``/``, the list of runs); the XLSX = the CSV
of the same rows (same request path, same masking, text only).
Prints the figures and writes bench/results/serve.json.

    .venv/bin/python bench/serve.py [findings]
    .venv/bin/python bench/serve.py --xlsx [rows]   # ddss's XLSX writer vs xlsxwriter vs CSV, in one process
"""

from __future__ import annotations

import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import polars as pl
from _common import ROOT, write

sys.path.insert(0, str(ROOT))

GOAL_MS = 300


def make_findings(n: int, path: Path, seed: int = 7) -> None:
    from ddss.rules.catalog import all_checks
    from ddss.schema import DATASETS

    rng = np.random.default_rng(seed)
    checks = [c for c in all_checks() if c.dataset in DATASETS]
    pick = rng.integers(0, len(checks), n)
    meta = pl.DataFrame(
        {
            "k": range(len(checks)),
            "dataset": [c.dataset for c in checks],
            "agency": [DATASETS[c.dataset].agency for c in checks],
            "check_id": [c.check_id for c in checks],
            "dimension": [c.dimension for c in checks],
            "severity": [c.severity for c in checks],
            "message_vi": [c.title_vi for c in checks],
        }
    )
    rows = pl.DataFrame({"k": pick, "source_row": rng.integers(1, 1_000_000, n), "v": rng.integers(0, 10**6, n)})
    df = rows.join(meta, on="k", how="left").select(
        pl.lit("bench-run").alias("run_id"),
        "dataset",
        (pl.col("dataset") + ".csv").alias("source_file"),
        pl.col("source_row").cast(pl.Int64),
        ("P-" + pl.col("v").cast(pl.Utf8).str.zfill(12)).alias("record_key"),
        "check_id",
        "dimension",
        "severity",
        ("079******" + (pl.col("v") % 1000).cast(pl.Utf8).str.zfill(3)).alias("value"),
        "message_vi",
        "agency",
        pl.lit("20261101T000000-79-bench").alias("batch_id"),
    )
    df.sort("dataset", "source_row", "check_id").write_parquet(path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[float, int]:
    t = time.perf_counter()
    with urllib.request.urlopen(url) as r:  # noqa: S310 - loopback only
        body = r.read()
    return (time.perf_counter() - t) * 1000, len(body)


def _median_max(times: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def _direct_floor(parquet: Path) -> dict:
    """The same pages read by DuckDB straight from the file: no server, no HTML."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        first = "SELECT * FROM read_parquet(?) LIMIT 100"
        filtered = "SELECT * FROM read_parquet(?) WHERE agency = 'nnmt' AND severity = 'blocking' LIMIT 100"
        out = {}
        for name, sql in (("first_page", first), ("filtered_page", filtered)):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                con.execute(sql, [str(parquet)]).fetchall()
                times.append((time.perf_counter() - t) * 1000)
            out[name] = _median_max(times)
        return out
    finally:
        con.close()


def _download_filter(parquet: Path, target: int = 100_000) -> tuple[str, int]:
    """A dataset filter whose list is closest to ``target`` findings."""
    counts = pl.scan_parquet(parquet).group_by("dataset").len().collect()
    row = counts.with_columns((pl.col("len") - target).abs().alias("d")).sort("d").row(0, named=True)
    return f"dataset={row['dataset']}", row["len"]


def main(n: int) -> None:
    import uvicorn

    from ddss.serve import create_app
    from ddss.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        run_id = "20261101T000000000000-79-bench0"
        run_dir = Path(tmp) / "reports" / run_id
        run_dir.mkdir(parents=True)
        parquet = run_dir / "findings.parquet"
        t = time.perf_counter()
        make_findings(n, parquet)
        made_s = time.perf_counter() - t
        floor = _direct_floor(parquet)
        settings = Settings.load(ROOT, data_dir=Path(tmp) / "data", reports_dir=Path(tmp) / "reports", gx_dir=Path(tmp) / "gx")
        port = _free_port()
        t = time.perf_counter()
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.01)
        startup_s = time.perf_counter() - t  # includes the copy of the newest run into memory
        root = f"http://127.0.0.1:{port}"
        base = f"{root}/runs/{run_id}/findings"
        first_ms, _ = _get(f"{base}?size=100")  # the steward's first request
        cases = {
            "first_page": "?size=100",
            "filtered_page": "?agency=nnmt&severity=blocking&size=100",
            "filtered_sorted_by_value_desc": "?agency=tu_phap&dimension=dung&sort=value&order=desc&size=100",
            "deep_page_5000": "?size=100&page=5000",
            "check_filter": "?check=population.id_structure&size=100",
        }
        figures = {name: _median_max([_get(base + params)[0] for _ in range(5)]) for name, params in cases.items()}
        floor["server_smallest_response"] = _median_max([_get(root + "/")[0] for _ in range(5)])
        which, rows = _download_filter(parquet)
        csv_ms, csv_bytes = _get(f"{base}.csv?{which}")
        xlsx_ms, xlsx_bytes = _get(f"{base}.xlsx?{which}")
        server.should_exit = True
    worst = max(max(v["median_ms"], v["max_ms"]) for v in figures.values())
    page_floor = floor["first_page"]["median_ms"] + floor["server_smallest_response"]["median_ms"]
    write(
        "serve",
        {
            "findings": n,
            "parquet_written_s": round(made_s, 2),
            "startup_to_listening_s": round(startup_s, 2),
            "first_request_ms": round(first_ms, 1),
            "pages": figures,
            "floor": floor,
            "first_page_over_floor": round(figures["first_page"]["median_ms"] / page_floor, 2),
            "goal_ms": GOAL_MS,
            "goal_met_pages": bool(first_ms <= GOAL_MS and worst <= GOAL_MS),
            "download": {
                "filter": which,
                "rows": rows,
                "xlsx": {"ms": round(xlsx_ms, 1), "bytes": xlsx_bytes},
                "csv_floor": {"ms": round(csv_ms, 1), "bytes": csv_bytes},
                "xlsx_over_csv": round(xlsx_ms / csv_ms, 2),
                "xlsx_ms_per_100k_rows": round(xlsx_ms * 100_000 / rows, 1),
            },
        },
    )


def _xlsxwriter_write(out: pl.DataFrame, path: Path) -> None:
    """The writer ddss used before ``ddss.report.xlsx``: xlsxwriter, cell by cell (row by row)."""
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "constant_memory": True}
    book = xlsxwriter.Workbook(str(path), options)
    ws = book.add_worksheet("Phát hiện")
    ws.write_row(0, 0, out.columns, book.add_format({"bold": True}))
    for i, row in enumerate(out.iter_rows(), start=1):
        ws.write_row(i, 0, row)
    book.close()


def xlsx_versus_xlsxwriter(n: int) -> None:
    """In one process: the same n findings as XLSX by ddss's writer, by xlsxwriter (the
    former writer) and as CSV (the floor), each from the same export frame."""
    from ddss.report import exports
    from ddss.report.xlsx import write_table

    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "findings.parquet"
        make_findings(n, parquet)
        out = exports.export_frame(pl.read_parquet(parquet))
        figures = {}
        for name, fn in (
            ("ddss_xlsx", lambda p: write_table(out, p, "Phát hiện")),
            ("xlsxwriter_row_by_row", lambda p: _xlsxwriter_write(out, p)),
            ("csv_floor", lambda p: out.write_csv(p, include_bom=True, quote_style="always")),
        ):
            t = time.perf_counter()
            fn(Path(tmp) / name)
            figures[name] = {"s": round(time.perf_counter() - t, 2), "bytes": (Path(tmp) / name).stat().st_size}
    figures["xlsxwriter_over_ddss"] = round(figures["xlsxwriter_row_by_row"]["s"] / figures["ddss_xlsx"]["s"], 1)
    figures["ddss_over_csv"] = round(figures["ddss_xlsx"]["s"] / figures["csv_floor"]["s"], 1)
    write("serve_xlsx", {"rows": n, **figures})


if __name__ == "__main__":
    if sys.argv[1:2] == ["--xlsx"]:  # bench/serve.py --xlsx [rows]: the XLSX writers compared
        xlsx_versus_xlsxwriter(int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
