"""What a batch is (docs/batches.md), on real files and a real DuckDB file: population is a
snapshot of its latest batch, civil and land datasets are deltas by natural key, every
file of a batch counts, an empty file is an empty delta, the agency's manifest is
reconciled and an inbox with nothing new says so."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ddss import store
from ddss.checks import views
from ddss.checks.run import validate
from ddss.cli import summary
from ddss.ingest import ingest_inbox
from ddss.settings import Settings
from generators.province import DEFAULT_AS_OF
from tests.conftest import ROOT


def _settings(root: Path) -> Settings:
    return Settings.load(ROOT, data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _current(settings: Settings, sql: str) -> list[tuple]:
    with store.writer(settings.province_db("79"), 30, settings.duckdb_config()) as con:
        views.refresh(con)
        return con.execute(sql).fetchall()


def test_a_clean_population_split_in_two_files_validates_with_zero_findings(tmp_path, good):
    """Both files of the batch are the population: no false "not in the population" findings."""
    inbox = tmp_path / "inbox"
    shutil.copytree(good["csv"], inbox)
    pop = _lines(inbox / "population.csv")
    (inbox / "population.csv").unlink()
    half = len(pop) // 2
    _write(inbox / "population_phuong_a.csv", pop[: half + 1])
    _write(inbox / "population_phuong_b.csv", [pop[0], *pop[half + 1 :]])
    s = _settings(tmp_path)
    result = ingest_inbox(s, "79", inbox)
    assert result.rejected == 0 and sum(f.dataset == "population" for f in result.files) == 2
    validated = validate(s, "79", as_of=DEFAULT_AS_OF)
    assert validated.findings.height == 0, validated.findings.group_by("check_id").len()
    assert validated.counts_agree
    with duckdb.connect(str(s.province_db("79")), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cur_population").fetchall()[0][0] == len(pop) - 1


def test_population_is_a_snapshot_and_civil_records_are_deltas(tmp_path, good):
    s = _settings(tmp_path)
    pop, birth = _lines(good["csv"] / "population.csv"), _lines(good["csv"] / "birth.csv")
    header = birth[0].split(",")
    name_at, key = header.index("child_name"), [header.index(c) for c in views.DELTA_KEYS["birth"]]
    # batch 1: the whole population, every birth
    _write(tmp_path / "b1" / "population.csv", pop)
    _write(tmp_path / "b1" / "birth.csv", birth)
    ingest_inbox(s, "79", tmp_path / "b1")
    # batch 2: a population of 10 persons (the snapshot shrinks); three births sent again
    # corrected (same key, another name), the others absent (they stay as they were)
    changed = []
    for line in birth[1:4]:
        f = line.split(",")
        f[name_at] = "Tên Đã Sửa"
        changed.append(",".join(f))
    _write(tmp_path / "b2" / "population.csv", pop[:11])
    _write(tmp_path / "b2" / "birth.csv", [birth[0], *changed])
    ingest_inbox(s, "79", tmp_path / "b2")

    assert _current(s, "SELECT count(*) FROM cur_population")[0][0] == 10
    rows = _current(s, "SELECT child_name, registering_commune_code, register_book, entry_no, _source_file FROM cur_birth")
    assert len(rows) == len(birth) - 1  # replaced in place, none lost, none doubled
    corrected = {tuple(str(v) for v in r[1:4]) for r in rows if r[0] == "Tên Đã Sửa"}
    assert corrected == {tuple(line.split(",")[i] for i in key) for line in birth[1:4]}

    # batch 3: the first population file sent again unchanged: a duplicate, yet the
    # snapshot of the latest batch again (through the rows batch 1 loaded)
    _write(tmp_path / "b3" / "population.csv", pop)
    again = ingest_inbox(s, "79", tmp_path / "b3")
    assert [f.status for f in again.files] == ["duplicate"]
    assert _current(s, "SELECT count(*) FROM cur_population")[0][0] == len(pop) - 1


@pytest.mark.parametrize("dataset", ["parcel", "certificate"])
def test_land_deltas_replace_by_their_natural_key(tmp_path, good, dataset):
    s = _settings(tmp_path)
    lines = _lines(good["csv"] / f"{dataset}.csv")
    _write(tmp_path / "b1" / f"{dataset}.csv", lines)
    ingest_inbox(s, "79", tmp_path / "b1")
    _write(tmp_path / "b2" / f"{dataset}.csv", lines[:3])  # two records sent again, unchanged content
    ingest_inbox(s, "79", tmp_path / "b2")
    got = _current(s, f"SELECT _batch_id, count(*) FROM cur_{dataset} GROUP BY 1 ORDER BY 1")  # noqa: S608
    assert [n for _, n in got] == [len(lines) - 3, 2]


def test_header_only_file_is_an_empty_delta_and_said_so(tmp_path, good):
    s = _settings(tmp_path)
    _write(tmp_path / "in" / "death.csv", _lines(good["csv"] / "death.csv")[:1])
    result = ingest_inbox(s, "79", tmp_path / "in")
    (o,) = result.files
    assert (o.status, o.dataset, o.rows_read, o.rows_staged) == ("loaded", "death", 0, 0)
    assert result.rejected == 0
    assert "tập rỗng hợp lệ" in summary.batches(s, "79", result.batch_id)


def test_an_inbox_with_nothing_new_says_so(tmp_path, good):
    s = _settings(tmp_path)
    first = ingest_inbox(s, "79", good["csv"])
    assert not first.nothing_new
    again = ingest_inbox(s, "79", good["csv"])
    assert again.nothing_new and {f.status for f in again.files} == {"duplicate"}
    text = summary.batches(s, "79", again.batch_id)
    assert "Không có gì mới" in text and again.batch_id in text
    (tmp_path / "empty").mkdir()
    empty = ingest_inbox(s, "79", tmp_path / "empty")
    assert empty.nothing_new and "Không có gì mới" in summary.batches(s, "79", empty.batch_id)


def test_manifest_is_reconciled_and_every_difference_reported(tmp_path, good):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("population.csv", "death.csv", "birth.csv", "marriage.csv"):
        shutil.copy(good["csv"] / name, inbox / name)
    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    rows = {p.name: len(_lines(p)) - 1 for p in inbox.iterdir()}
    manifest = [
        "tệp;số dòng;sha256",
        f"population.csv;{rows['population.csv']};{sha['population.csv']}",  # right
        f"death.csv;{rows['death.csv'] + 1};{sha['death.csv']}",  # one row short of what the agency counted
        f"birth.csv;{rows['birth.csv']};{'0' * 64}",  # another file than the agency sent
        "parcel.csv;12;",  # never arrived
    ]
    (inbox / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    s = _settings(tmp_path)
    result = ingest_inbox(s, "79", inbox)
    assert "manifest.csv" not in {f.source_file for f in result.files}  # the manifest is not data
    notes = {(n.source_file, n.kind) for n in result.notes}
    assert notes == {
        ("death.csv", "manifest_rows"),
        ("birth.csv", "manifest_sha256"),
        ("parcel.csv", "manifest_missing"),
        ("marriage.csv", "manifest_unlisted"),
    }
    assert result.manifest_differences == 4
    with duckdb.connect(str(s.province_db("79")), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM batch_notes WHERE batch_id = ?", [result.batch_id]).fetchall()[0][0] == 4
    text = summary.batches(s, "79", result.batch_id)
    assert f"Bảng kê ghi {rows['death.csv'] + 1} dòng dữ liệu, tệp có {rows['death.csv']} dòng" in text


def _cli(tmp_path: Path, inbox: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ) | {"DDSS_DATA_DIR": str(tmp_path / "data"), "DDSS_REPORTS_DIR": str(tmp_path / "reports")}
    return subprocess.run(
        [sys.executable, "-c", "from ddss.cli.app import main; main()", "ingest", "--province", "79", "--inbox", str(inbox)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )


def test_cli_exit_codes_for_empty_delta_nothing_new_and_manifest(tmp_path, good):
    inbox = tmp_path / "in"
    _write(inbox / "death.csv", _lines(good["csv"] / "death.csv")[:1])
    r = _cli(tmp_path, inbox)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "tập rỗng hợp lệ" in r.stdout
    r = _cli(tmp_path, inbox)
    assert r.returncode == 0 and "Không có gì mới" in r.stdout, r.stdout + r.stderr[-2000:]
    (inbox / "manifest.csv").write_text("file,rows\ndeath.csv,3\n", encoding="utf-8")
    r = _cli(tmp_path, inbox)
    assert r.returncode == 1 and "bảng kê" in r.stderr, r.stdout + r.stderr[-2000:]


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"ten,so\nbirth.csv,3\n", "thiếu cột 'file'"),
        (b"file,rows\nbirth.csv,ba\n", "không phải số"),
        (b"file\n\xff\xfe\n", "UTF-8"),
    ],
)
def test_an_unreadable_manifest_is_said_so_and_loads_the_batch(tmp_path, good, content, phrase):
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(good["csv"] / "birth.csv", inbox / "birth.csv")
    (inbox / "manifest.csv").write_bytes(content)
    result = ingest_inbox(_settings(tmp_path), "79", inbox)
    assert [f.status for f in result.files] == ["loaded"]
    (note,) = result.notes
    assert note.kind == "manifest_unreadable" and phrase in note.reason_vi and result.manifest_differences == 1
