"""Shared by the benchmark scripts: run a step in a fresh process (so its peak RSS is its
own), print figures, write them to bench/results/<name>.json."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def in_child(code: str, *args: str) -> dict:
    """Run ``code`` (which must print one JSON object last) in a new interpreter; adds the
    child's wall time and peak RSS."""
    prologue = f"import resource, json, sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
    epilogue = "\nprint(json.dumps({**OUT, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", prologue + code + epilogue, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - t, 2)
    return result


def write(name: str, figures: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {"machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()}, **figures}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"-> {path}")
    return path
