"""Findings browser speed on a run with 1 M findings (goal: ≤ 300 ms per page).

Writes a ``findings.parquet`` of N findings (checks, datasets, dimensions and severities
drawn from the catalogue, masked-looking values, sorted as validate writes them), times
the one-time copy of the file into memory (the server does it for the newest run when it
starts, and for any other run on its first request), starts the real app (uvicorn,
127.0.0.1, free port) and times whole HTTP requests: the first request (after the load),
then the median of 5 of the first page, a filtered page, a filtered page sorted by value,
a deep page and a check filter; plus the filtered download (CSV). Prints the figures and writes bench/results/serve.json.

    .venv/bin/python bench/serve.py [findings]
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


def main(n: int) -> None:
    import uvicorn

    from ddss.serve import create_app
    from ddss.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        run_id = "20261101T000000000000-79-bench0"
        run_dir = Path(tmp) / "reports" / run_id
        run_dir.mkdir(parents=True)
        t = time.perf_counter()
        make_findings(n, run_dir / "findings.parquet")
        made_s = time.perf_counter() - t
        from ddss.serve import query

        t = time.perf_counter()
        query.warm(run_dir / "findings.parquet")  # what the server does for the newest run when it starts
        load_ms = (time.perf_counter() - t) * 1000
        settings = Settings.load(ROOT, data_dir=Path(tmp) / "data", reports_dir=Path(tmp) / "reports", gx_dir=Path(tmp) / "gx")
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}/runs/{run_id}/findings"
        cold_ms, _ = _get(f"{base}?size=100")  # first request after the load
        cases = {
            "first_page": "?size=100",
            "filtered_page": "?agency=nnmt&severity=blocking&size=100",
            "filtered_sorted_by_value_desc": "?agency=tu_phap&dimension=dung&sort=value&order=desc&size=100",
            "deep_page_5000": "?size=100&page=5000",
            "check_filter": "?check=population.id_structure&size=100",
        }
        figures = {}
        for name, params in cases.items():
            times = [_get(base + params)[0] for _ in range(5)]
            figures[name] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}
        dl_ms, dl_bytes = _get(f"http://127.0.0.1:{port}/runs/{run_id}/findings.csv?agency=nnmt&severity=blocking")
        server.should_exit = True
    worst = max(v["median_ms"] for v in figures.values())
    write(
        "serve",
        {
            "findings": n,
            "parquet_written_s": round(made_s, 2),
            "load_into_memory_ms": round(load_ms, 1),
            "first_request_ms": round(cold_ms, 1),
            "pages": figures,
            "goal_ms": GOAL_MS,
            "goal_met_pages": bool(cold_ms <= GOAL_MS and worst <= GOAL_MS),
            "download_filtered_csv": {"ms": round(dl_ms, 1), "bytes": dl_bytes},
        },
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
