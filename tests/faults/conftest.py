"""A small loaded province (made once per session) and helpers for fault tests: the CLI in
a subprocess with relocated folders, tmpfs mounts (tests and CI run as root, so chmod
proves nothing: a full disk and a read-only folder are real mounts)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ddss.settings import Settings
from generators.province import DEFAULT_AS_OF, generate

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Loaded:
    data: Path  # a data folder holding province_79.duckdb after one ingest
    inbox: Path


@pytest.fixture(scope="session")
def loaded(tmp_path_factory) -> Loaded:
    from ddss.ingest import ingest_inbox

    work = tmp_path_factory.mktemp("faults")
    gen = generate(province="79", persons=300, seed=3, defect_rate=0.05, out=work / "batch")
    (gen.inbox / "garbage.csv").write_bytes(b"\x00\x01 not a batch file\n")  # rejected: a quarantined file
    s = Settings.load(ROOT, data_dir=work / "data", reports_dir=work / "reports", gx_dir=work / "gx")
    ingest_inbox(s, "79", gen.inbox)
    return Loaded(work / "data", gen.inbox)


def copy_data(loaded: Loaded, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for p in loaded.data.iterdir():
        if p.is_dir():
            shutil.copytree(p, dest / p.name)
        elif not p.name.endswith(".lock"):
            shutil.copy2(p, dest / p.name)
    return dest


def ddss(args: list[str], data: Path, reports: Path, gx: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "DDSS_DATA_DIR": str(data), "DDSS_REPORTS_DIR": str(reports), "DDSS_GX_DIR": str(gx)}
    return subprocess.run(
        [sys.executable, "-m", "ddss", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout
    )


@pytest.fixture
def mount(request):
    """``mount(path, size="2m")``: a tmpfs at path, unmounted after the test; skips (saying
    why) where mounting is not allowed."""

    def make(path: Path, size: str = "2m") -> Path:
        path.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
        if r.returncode:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}); needs root with mount permission")
        request.addfinalizer(lambda: subprocess.run(["umount", "-l", str(path)], check=False))
        return path

    return make


def read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def fill(path: Path, leave_bytes: int) -> None:
    """Fill the file system of ``path`` until about ``leave_bytes`` remain."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    with open(path / "filler.bin", "wb") as f:
        f.write(b"\0" * max(free - leave_bytes, 0))


def validation_runs(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM validation_runs").fetchone()[0]


def as_of() -> str:
    return DEFAULT_AS_OF.isoformat()
