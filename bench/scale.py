"""A whole province at scale (issue #21): N persons (default 14 M, TP Hồ Chí Minh; about
22 M rows over the datasets) through generate, ingest, validate, score, report and gate,
with ``duckdb_memory_limit`` set. Each stage runs in its own process (what the commands
call, with the same settings), so its wall time and peak RSS are its own; a stage whose
resident memory passes the kill limit (default 8 GiB) is stopped and the run ends there.

Goal: <= 10 min in all and <= 4 GiB peak on this machine (2 cores).

    .venv/bin/python bench/scale.py [persons] [--format parquet|csv] [--memory-limit 2.5GB]
                                    [--no-data-docs] [--keep DIR] [--kill-gib 8] [--workers 2]
                                    [--batch DIR] [--no-bytecode-cache]

``--batch DIR``: reuse the batch folder of an earlier run (``DIR`` as ``--keep`` left it,
or its ``batch``/``batch/inbox`` folder) instead of generating one, to measure the other
stages again; the generate stage is then not run (``persons`` is read from nothing: give
the same number, it is only recorded).

Byte code: an installed ddss (pip, uv) imports its packages from compiled byte code;
this machine's shell sets PYTHONDONTWRITEBYTECODE, so without a cache every stage would
compile Great Expectations' sources again (about 3 s of GX's 5.5 s import here). The
stages therefore run with a private byte-code cache (PYTHONPYCACHEPREFIX, nothing written
into .venv), filled by an untimed warm-up that imports what the stages import;
``--no-bytecode-cache`` measures the cold case.

Peak RSS is per process (the stage's own, and the largest process it started); the
generator's worker processes run beside the stage, so their sum can be higher.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, write

GOAL_SECONDS, GOAL_PEAK_MIB = 600, 4096
PYCACHE = Path(tempfile.gettempdir()) / "ddss-bench-pycache"
WARM_UP = (
    "import great_expectations, generators.province, ddss.ingest, ddss.checks.run, ddss.scorecard_io, ddss.report, "
    "ddss.report.data_docs, ddss.report.gx_render, ddss.gate"
)

SETTINGS = """
import datetime as dt
import json, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from ddss.settings import Settings
root = Path(sys.argv[1])
# What the commands read from [tool.ddss], with this run's folders and memory limit; files of
# a 14 M province are larger than the default per-file limits, which are raised here.
s = Settings.load(data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx",
                  duckdb_memory_limit=sys.argv[2], max_file_bytes=64 << 30, max_expanded_bytes=64 << 30,
                  max_rows=100_000_000)
state = json.loads((root / "state.json").read_text()) if (root / "state.json").exists() else {{}}
OUT = {{}}
"""

STAGES = {
    "generate": """
from generators.province import generate
g = generate(province="79", persons=int(sys.argv[3]), seed=7, defect_rate=0.01, out=root / "batch", fmt=sys.argv[4],
             chunk_persons=1_000_000, workers=int(sys.argv[6]))
OUT = {"rows": sum(g.rows.values()), "rows_by_dataset": g.rows, "defects": sum(g.defects.values()),
       "seconds_frames": round(g.seconds_frames, 1)}
state["inbox"] = str(g.inbox)
""",
    "ingest": """
from ddss.ingest import ingest_inbox
r = ingest_inbox(s, "79", Path(state["inbox"]))
OUT = {"batch_id": r.batch_id, "rejected_files": r.rejected}
""",
    "validate": """
from ddss.checks.run import validate
from generators.province import DEFAULT_AS_OF
r = validate(s, "79", as_of=DEFAULT_AS_OF)
OUT = {"run_id": r.run_id, "findings": r.findings.height, "checks": len(r.gx_counts), "not_run": len(r.not_run)}
state["run_id"] = r.run_id
""",
    "score": """
from ddss.scorecard_io import score_run
card, folder = score_run(s, "79", state["run_id"])
OUT = {"passed": card.passed}
""",
    "report": """
from ddss.report import build_report
index = build_report(s, "79", state["run_id"], data_docs=sys.argv[5] == "1")
OUT = {"index": str(index)}
""",
    "gate": """
from ddss.gate import gate
r = gate(s, "79", state["run_id"])
OUT = {"passed": r.passed, "open_holds": r.open_holds}
""",
}

EPILOGUE = """
import resource
# Processes the stage started (the generator's block makers): the largest of them.
OUT["children_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
(root / "state.json").write_text(json.dumps(state))
# DuckDB draws its progress bar on stdout without a final newline for queries over 2 s.
print()
print(json.dumps(OUT))
"""


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def stage_env(bytecode_cache: bool) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def warm_up(env: dict[str, str]) -> float:
    """Import what the stages import once, untimed, so the byte-code cache holds it."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", WARM_UP], cwd=ROOT, env=env, check=True, capture_output=True)
    return round(time.perf_counter() - t, 1)


def run_stage(name: str, args: list[str], kill_bytes: int, env: dict[str, str] | None = None) -> dict:
    """One stage in a new interpreter: wall time, its own peak RSS (wait4), its figures."""
    code = SETTINGS.format(root=str(ROOT)) + STAGES[name] + EPILOGUE
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    killed = threading.Event()

    def watch() -> None:  # the machine is shared: a stage that runs away is stopped
        while proc.poll() is None:
            if _rss_bytes(proc.pid) > kill_bytes:
                killed.set()
                proc.kill()
                return
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True),
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True),
    ]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    seconds = round(time.perf_counter() - t, 1)
    figures = {"seconds": seconds, "peak_rss_mib": round(usage.ru_maxrss / 1024)}
    if killed.is_set():
        return {**figures, "error": f"killed: resident memory above {kill_bytes >> 30} GiB"}
    if proc.returncode:
        return {**figures, "error": "".join(err_chunks)[-2000:]}
    lines = [line for line in "".join(out_chunks).splitlines() if line.startswith("{")]
    return {**figures, **(json.loads(lines[-1]) if lines else {})}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("persons", nargs="?", type=int, default=14_000_000)
    ap.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    ap.add_argument("--memory-limit", default="2.5GB")
    ap.add_argument("--no-data-docs", action="store_true")
    ap.add_argument("--keep", type=Path, help="keep the run's folder here (default: a temporary folder, removed)")
    ap.add_argument("--kill-gib", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=2, help="processes making the generator's blocks")
    ap.add_argument("--stages", default=",".join(STAGES), help="the first stages only, e.g. generate,ingest (to debug)")
    ap.add_argument("--batch", type=Path, help="reuse this generated batch (an earlier --keep folder); no generate stage")
    ap.add_argument("--no-bytecode-cache", action="store_true", help="stages compile their imports (as this shell does)")
    a = ap.parse_args()
    root = a.keep or Path(tempfile.mkdtemp(prefix="ddss-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    args = [str(root), a.memory_limit, str(a.persons), a.format, "0" if a.no_data_docs else "1", str(a.workers)]
    wanted = a.stages.split(",")
    reused = None
    if a.batch is not None:
        reused = _batch_inbox(a.batch)  # may be this run's own kept batch: "batch" is not emptied then
        wanted = [n for n in wanted if n != "generate"]
    emptied = ("data", "reports", "gx", "state.json") + (("batch",) if "generate" in wanted else ())
    for old in emptied:  # a kept folder measured again starts empty (a second ingest would add nothing)
        target = root / old
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    if reused is not None:
        (root / "state.json").write_text(json.dumps({"inbox": str(reused)}))
    env = stage_env(not a.no_bytecode_cache)
    if not a.no_bytecode_cache:
        print(f"warm-up (byte-code cache {PYCACHE}, not timed) {warm_up(env)} s", flush=True)
    stages: dict[str, dict] = {}
    try:
        for name in [n for n in STAGES if n in wanted]:
            print(f"{name} …", flush=True)
            stages[name] = fig = run_stage(name, args, int(a.kill_gib * (1 << 30)), env)
            kids = f" (its processes: {fig['children_peak_rss_mib']} MiB)" if fig.get("children_peak_rss_mib") else ""
            print(f"{name:9s} {fig['seconds']:8.1f} s  peak RSS {fig['peak_rss_mib']:6d} MiB{kids}", flush=True)
            if "error" in fig:
                print(fig["error"], file=sys.stderr)
                break
        disk = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    finally:
        if a.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    total = round(sum(s["seconds"] for s in stages.values()), 1)
    peak = max(max(s["peak_rss_mib"], s.get("children_peak_rss_mib", 0)) for s in stages.values())
    expected = [n for n in STAGES if n != "generate"] if reused is not None else list(STAGES)
    complete = list(stages) == expected and not any("error" in s for s in stages.values())
    print(
        f"total {total} s (goal {GOAL_SECONDS}), peak RSS {peak} MiB (goal {GOAL_PEAK_MIB}), "
        f"{'complete' if complete else 'INCOMPLETE'}, {disk / (1 << 30):.1f} GiB on disk"
    )
    write(
        "scale",
        {
            "persons": a.persons,
            "format": next(reused.glob("population.*")).suffix.lstrip(".") if reused is not None else a.format,
            "duckdb_memory_limit": a.memory_limit,
            "data_docs": not a.no_data_docs,
            "workers": a.workers,
            "batch_reused": str(reused) if reused is not None else None,
            "bytecode_cache": not a.no_bytecode_cache,
            "stages_run": list(stages),
            "complete": complete,
            "total_seconds": total,
            "peak_rss_mib": peak,
            "disk_gib": round(disk / (1 << 30), 2),
            "goals": {"total_seconds": GOAL_SECONDS, "peak_rss_mib": GOAL_PEAK_MIB},
            "goals_met": {"total_seconds": complete and total <= GOAL_SECONDS, "peak_rss_mib": peak <= GOAL_PEAK_MIB},
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "stages": stages,
        },
    )


def _batch_inbox(folder: Path) -> Path:
    """The inbox of a generated batch: ``folder`` itself, its ``inbox`` or ``batch/inbox``."""
    for inbox in (folder / "batch" / "inbox", folder / "inbox", folder):
        if inbox.is_dir() and any(inbox.glob("population.*")):
            return inbox
    sys.exit(f"no generated batch (population.*) under {folder}")


if __name__ == "__main__":
    main()
