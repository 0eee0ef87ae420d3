"""What families and households cost the generator: the product against its floor (this
tree's generator with the modules families changed as they were before it), alternated in one run.

.venv/bin/python bench/families.py [persons] [rounds]

Each round generates the same province (seed 7, 1 % defects, CSV) once with each
generator in a fresh process; the figures are the medians and their ratio (product /
floor). CPU seconds are reported beside wall seconds: on a shared machine the wall
clock mostly measures the other users.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, in_child, write

STEP = """
from pathlib import Path
if sys.argv[3] != "-":
    sys.path.insert(0, sys.argv[3])  # the floor's generators package, ahead of the product's
import generators
from generators.province import generate
t, c = time.perf_counter(), time.process_time()
r = generate(province="79", persons=int(sys.argv[1]), seed=7, defect_rate=0.01, out=Path(sys.argv[2]), fmt="csv")
OUT = {"rows": sum(r.rows.values()), "seconds_frames": round(r.seconds_frames, 2), "seconds_total": round(r.seconds_total, 2),
       "cpu_seconds": round(time.process_time() - c, 2), "generators": str(Path(generators.__file__).parent)}
"""


OWN = ("population.py", "civil.py", "ethnic.py", "names.py")  # the modules families changed


def _floor(into: Path) -> str:
    """The product's generators package with the modules families changed as they were
    before (other engineers' generator work stays in both)."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "generators/families.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    pkg = into / "generators"
    shutil.copytree(ROOT / "generators", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "families.py").unlink()
    for name in OWN:
        old = subprocess.run(["git", "show", f"{added}^:generators/{name}"], cwd=ROOT, capture_output=True, check=True).stdout
        (pkg / name).write_bytes(old)
    return f"{added}^"


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    runs: dict[str, list[dict]] = {"floor": [], "product": []}
    with tempfile.TemporaryDirectory() as tmp:
        floor_ref = _floor(Path(tmp) / "floor")
        for i in range(rounds):
            for name, path in (("floor", str(Path(tmp) / "floor")), ("product", "-")):
                runs[name].append(in_child(STEP, str(persons), f"{tmp}/{name}{i}", path))
    assert all(r["generators"].startswith(tmp) for r in runs["floor"]), "the floor did not import its own generators"

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    keys = ("seconds_frames", "seconds_total", "cpu_seconds", "peak_rss_mb")
    figures = {
        "persons": persons,
        "rounds": rounds,
        "floor": f"this tree's generators with {', '.join(OWN)} of {floor_ref} and no families.py",
        "rows": {name: runs[name][0]["rows"] for name in runs},
        **{f"{name}_{k}": round(med(name, k), 2) for name in runs for k in keys},
        **{f"ratio_{k}": round(med("product", k) / med("floor", k), 3) for k in keys},
    }
    write("generate-families", figures)


if __name__ == "__main__":
    main()
