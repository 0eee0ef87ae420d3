"""Everything a run writes outside the databases holds no raw ID, full name or date of
birth from its input, including names written with Unicode spaces (issue #16).

Scanned: reports/ (findings CSV and Parquet, run record), gx/ (GX results), every file
in the data folder but the DuckDB files and the quarantine folder (rejected files are
kept raw on purpose, under retention: ddss purge), Prefect's artifacts and Prefect's logs
of the run, and what ddss and its libraries logged at INFO and above.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

import polars as pl
import pytest

from tests.privacy.conftest import FORMULA


def _personal(run) -> dict[str, set[str]]:
    ids, dobs = set(), set()
    for f in run.inbox.iterdir():
        df = pl.read_csv(f, infer_schema=False)
        for c in df.columns:
            if c.startswith("Số định danh"):
                ids |= {v for v in df[c].drop_nulls() if len(v) >= 9}
            if c.startswith("Ngày sinh"):
                for v in df[c].drop_nulls():
                    try:
                        d = dt.datetime.strptime(v, "%d/%m/%Y").date()
                    except ValueError:
                        continue
                    if d < dt.date(1990, 1, 1):  # older than every event date: a match is a date of birth
                        dobs |= {v, d.isoformat()}
    names = set()
    for n in run.names:
        names |= {n, unicodedata.normalize("NFC", n), re.sub(r"[\s\u200b]+", " ", n).strip()}
    return {"id": ids, "name": names, "dob": dobs}


def _prefect_texts() -> dict[str, str]:
    from prefect.client.orchestration import get_client

    out = {}
    with get_client(sync_client=True) as client:
        for a in client.read_artifacts():
            out[f"artifact:{a.key}:{a.id}"] = json.dumps([a.data, a.description], ensure_ascii=False, default=str)
        out["prefect-logs"] = "\n".join(log.message for log in client.read_logs())
    return out


def _written(run) -> dict[str, str]:
    out = {}
    w = run.workdir
    roots = [w / "reports_dir", w / "gx_dir", w / "data_dir"]
    for root in roots:
        for path in root.rglob("*"):
            rel = path.relative_to(w)
            if not path.is_file() or ".duckdb" in path.name or "quarantine" in rel.parts:
                continue
            if path.suffix == ".parquet":
                out[str(rel)] = pl.read_parquet(path).write_csv()
            else:
                out[str(rel)] = path.read_bytes().decode("utf-8", errors="replace")
    return out


@pytest.fixture(scope="module")
def texts(hostile_run) -> dict[str, str]:
    return {**_written(hostile_run), **_prefect_texts(), "python-logs": "\n".join(hostile_run.logged)}


def test_the_run_wrote_what_is_scanned(hostile_run, texts) -> None:
    assert hostile_run.outcome["validate"]["findings"] > 0
    assert any(p.endswith("findings.csv") for p in texts) and any("validations" in p for p in texts)
    assert any(p.startswith("artifact:") for p in texts) and "prefect-logs" in texts and "python-logs" in texts
    assert hostile_run.spaced, "names with Unicode spaces were written into the batch"


@pytest.mark.parametrize("kind", ["id", "name", "dob"])
def test_no_personal_value_anywhere_a_run_writes(hostile_run, texts, kind) -> None:
    values = _personal(hostile_run)[kind]
    assert len(values) > 20
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    leaks = {p: m.group(0)[:3] + "…" for p, t in texts.items() if (m := pattern.search(t))}
    assert not leaks, leaks


def test_names_with_unicode_spaces_reach_findings_masked(hostile_run) -> None:
    """The mothers' names rewritten with U+00A0, U+202F, U+3000 … are findings values, masked."""
    report = hostile_run.workdir / "reports_dir" / hostile_run.outcome["validate"]["run_id"]
    df = pl.read_parquet(report / "findings.parquet").filter(pl.col("check_id").str.starts_with("birth.mother"))
    values = [v for v in df["value"].drop_nulls() if " " in v]
    assert values, "the respaced names produced findings with a name value"
    for v in values:
        assert all(re.fullmatch(r"\w\.", p) for p in v.split(" ")[1:]), v


def test_formula_cell_is_neutralised_in_findings_csv(hostile_run) -> None:
    report = hostile_run.workdir / "reports_dir" / hostile_run.outcome["validate"]["run_id"]
    csv_text = (report / "findings.csv").read_text(encoding="utf-8")
    cells = pl.read_csv(report / "findings.csv", infer_schema=False)["value"].drop_nulls().to_list()
    assert "'" + FORMULA in cells  # present, and inert in a spreadsheet
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "\n=" not in csv_text and ',"=' not in csv_text and ",=" not in csv_text
