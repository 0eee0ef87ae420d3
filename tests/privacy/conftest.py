"""A small province whose names are written with Unicode spaces and one formula cell,
taken through the Prefect pipeline once per session for the privacy tests."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from generators.province import DEFAULT_AS_OF, generate

ROOT = Path(__file__).resolve().parents[2]
SPACES = ["\u00a0", "\u202f", "\u3000", "\u2009", "\u200b"]
FORMULA = '=HYPERLINK("http://example.invalid/x","bấm")'


@dataclass(frozen=True)
class HostileRun:
    workdir: Path
    inbox: Path
    outcome: dict
    names: set[str]  # every full name as written in the files (Unicode spaces included)
    spaced: set[str]  # the names rewritten with Unicode spaces
    logged: list[str]  # every Python log record of the run at INFO and above


def _respace(df: pl.DataFrame, column: str, rows: range) -> tuple[pl.DataFrame, set[str]]:
    values = df[column].to_list()
    changed = set()
    for i in rows:
        if i >= len(values):
            break
        if values[i] and len(values[i].split()) >= 2:
            space = SPACES[i % len(SPACES)]
            values[i] = re.sub(" ", space, values[i])
            changed.add(values[i])
    return df.with_columns(pl.Series(column, values)), changed


@pytest.fixture(scope="session")
def hostile_run(prefect_harness, tmp_path_factory) -> HostileRun:
    from flows.pipeline import province_pipeline

    work = tmp_path_factory.mktemp("privacy")
    gen = generate(province="79", persons=2000, seed=5, defect_rate=0.02, out=work / "batch", headers="vi", dates="vn")
    spaced: set[str] = set()
    pop = pl.read_csv(gen.inbox / "population.csv", infer_schema=False)
    pop, changed = _respace(pop, "Họ và tên", range(0, 60))
    spaced |= changed
    pop.write_csv(gen.inbox / "population.csv")
    birth = pl.read_csv(gen.inbox / "birth.csv", infer_schema=False)
    # Mothers' names with Unicode spaces differ from the population's: findings whose value is the name.
    birth, changed = _respace(birth, "Họ và tên mẹ", range(0, 40))
    spaced |= changed
    mothers = birth["Họ và tên mẹ"].to_list()
    mothers[-1] = FORMULA
    birth = birth.with_columns(pl.Series("Họ và tên mẹ", mothers))
    birth.write_csv(gen.inbox / "birth.csv")

    names: set[str] = set()
    for f in gen.inbox.iterdir():
        df = pl.read_csv(f, infer_schema=False)
        for c in df.columns:
            if "Họ và tên" in c:
                names |= {n for n in df[c].drop_nulls() if len(re.split(r"[\s\u200b]+", n.strip())) >= 2}
    dirs = {k: str(work / k) for k in ("data_dir", "reports_dir", "gx_dir")}
    logged: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(self.format(record))

    keep = Keep(logging.INFO)
    logging.getLogger().addHandler(keep)
    try:
        # The flow may end Failed (không đạt at the gate): the run and its files exist all the same.
        province_pipeline("79", str(gen.inbox), DEFAULT_AS_OF.isoformat(), **dirs, settle_s=0.2, return_state=True)
    finally:
        logging.getLogger().removeHandler(keep)
    with duckdb.connect(str(work / "data_dir" / "province_79.duckdb"), read_only=True) as con:
        run_id, found = con.execute("SELECT run_id, findings FROM validation_runs ORDER BY finished_at DESC LIMIT 1").fetchone()
    outcome = {"validate": {"run_id": run_id, "findings": found}}
    return HostileRun(work, gen.inbox, outcome, names, spaced, logged)
