"""Loading is lossless, idempotent, atomic and safe under concurrency (issue #4)."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ddss.ingest import OutOfMemory, ingest_inbox
from ddss.read import preview_file
from ddss.schema import DATASETS, staging_table
from ddss.settings import Settings
from ddss.store import DatabaseBusy
from generators.province import clean_frames, generate
from tests.conftest import ROOT
from tests.ingest.conftest import GOOD_PERSONS


def _settings(root: Path, **extra) -> Settings:
    return Settings.load(ROOT, data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx", **extra)


def _counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()
        ]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in sorted(tables)}  # noqa: S608


@pytest.mark.parametrize("form", ["csv", "vi", "parquet", "xlsx"])
def test_every_value_survives_the_round_trip(good, form):
    """Typed values read back equal the generator's clean frames: codes keep leading
    zeros, dates and decimals parse in both conventions, text stays NFC."""
    frames = clean_frames("79", GOOD_PERSONS, 3)
    for name, clean in frames.items():
        path = next(good[form].glob(f"{name}.*"))
        read = preview_file(path, 10**9)
        assert read.dataset == name and read.quarantined.height == 0 and read.result.rows_read == read.staged.height
        got = read.staged.select(clean.columns)
        assert got.equals(clean.cast(got.schema)), (form, name)
        assert not read.staged["_nfc_fixed"].any()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1258"])
def test_encodings_are_detected_and_recorded(tmp_path, encoding):
    gen = generate(
        province="79", persons=GOOD_PERSONS, seed=3, defect_rate=0.0, out=tmp_path / "b", encoding=encoding, headers="vi"
    )
    s = _settings(tmp_path)
    ingest_inbox(s, "79", gen.inbox)
    clean = clean_frames("79", GOOD_PERSONS, 3)["population"]
    with duckdb.connect(str(s.province_db("79")), read_only=True) as con:
        enc = {e for (e,) in con.execute("SELECT DISTINCT encoding FROM batches").fetchall()}
        names = [n for (n,) in con.execute("SELECT full_name FROM stg_population ORDER BY _source_row").fetchall()]
    assert enc == {encoding}
    assert names == clean["full_name"].to_list()
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_nfd_input_is_normalised_and_remembered(tmp_path, good):
    lines = (good["csv"] / "population.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = unicodedata.normalize("NFD", lines[1])
    # Headers in NFD, upper case and with extra spaces are still recognised.
    lines[0] = unicodedata.normalize("NFD", ",".join(f" {h.upper()} " for h in lines[0].split(",")))
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "population.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = preview_file(inbox / "population.csv", 10**9)
    assert read.staged["_nfc_fixed"].to_list()[:3] == [True, False, False]
    assert unicodedata.is_normalized("NFC", read.staged["full_name"][0])


def test_loading_the_same_file_again_adds_nothing(tmp_path, good):
    s = _settings(tmp_path)
    first = ingest_inbox(s, "79", good["csv"])
    before = _counts(s.province_db("79"))
    second = ingest_inbox(s, "79", good["csv"])
    after = _counts(s.province_db("79"))
    assert {f.status for f in first.files} == {"loaded"}
    assert {f.status for f in second.files} == {"duplicate"}
    assert all("cùng SHA-256" in f.reason_vi for f in second.files)
    staged = [t for t in before if t.startswith("stg_")]
    assert {t: after[t] for t in staged} == {t: before[t] for t in staged}
    assert after["batches"] == before["batches"] + len(second.files)  # the attempt itself is recorded


def test_lineage_on_every_staged_row(tmp_path, good):
    s = _settings(tmp_path)
    result = ingest_inbox(s, "79", good["vi"], agency=None)
    with duckdb.connect(str(s.province_db("79")), read_only=True) as con:
        rows = con.execute(
            "SELECT _batch_id, _agency, _source_file, _file_sha256, min(_source_row), max(_source_row), count(*), "
            "count(_loaded_at) FROM stg_parcel GROUP BY ALL"
        ).fetchall()
    assert len(rows) == 1
    batch, agency, file, sha, lo, hi, n, loaded = rows[0]
    assert (batch, agency, file, lo, hi, loaded) == (result.batch_id, "nnmt", "parcel.csv", 1, n, n)
    assert len(sha) == 64


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from ddss import store
    from ddss.ingest import OutOfMemory, ingest_inbox
    from ddss.settings import Settings
    real = store.insert_select
    def insert_then_die(con, table, *args):
        real(con, table, *args)
        if table.startswith("stg_"):  # staging rows written, transaction still open
            os.kill(os.getpid(), signal.SIGKILL)
    store.insert_select = insert_then_die
    root = Path(sys.argv[1])
    s = Settings.load(Path(sys.argv[3]), data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
    ingest_inbox(s, "79", Path(sys.argv[2]))
    """
)


def test_kill_9_mid_load_leaves_the_database_as_before(tmp_path, good):
    s = _settings(tmp_path)
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(good["csv"] / "birth.csv", first)
    ingest_inbox(s, "79", first)
    before = _counts(s.province_db("79"))

    second = tmp_path / "second"
    second.mkdir()
    shutil.copy(good["csv"] / "population.csv", second)
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(tmp_path), str(second), str(ROOT)], capture_output=True, timeout=300
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    assert _counts(s.province_db("79")) == before

    again = ingest_inbox(s, "79", second)
    assert [f.status for f in again.files] == ["loaded"]
    assert _counts(s.province_db("79"))["stg_population"] == pl.read_csv(second / "population.csv").height


LOAD_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ddss.ingest import OutOfMemory, ingest_inbox
    from ddss.settings import Settings
    root, inbox, province, project = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    s = Settings.load(project, data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
    r = ingest_inbox(s, province, inbox)
    print(sum(f.rows_staged for f in r.files))
    """
)


def test_two_provinces_load_at_the_same_time(tmp_path):
    inboxes = {p: generate(province=p, persons=3000, seed=5, defect_rate=0.0, out=tmp_path / f"b{p}").inbox for p in ("79", "01")}
    procs = {
        p: subprocess.Popen([sys.executable, "-c", LOAD_SCRIPT, str(tmp_path), str(inbox), p, str(ROOT)], stdout=subprocess.PIPE)
        for p, inbox in inboxes.items()
    }
    staged = {p: int(proc.communicate(timeout=300)[0]) for p, proc in procs.items()}
    assert all(proc.returncode == 0 for proc in procs.values())
    s = _settings(tmp_path)
    for p in inboxes:
        assert _counts(s.province_db(p))["stg_population"] > 0
        assert staged[p] == sum(v for k, v in _counts(s.province_db(p)).items() if k.startswith("stg_"))


HOLD_SCRIPT = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_a_second_writer_gets_a_clear_message(tmp_path, good):
    s = _settings(tmp_path, busy_timeout_s=1)
    ingest_inbox(s, "79", good["csv"])  # the file exists
    before = _counts(s.province_db("79"))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_SCRIPT, str(s.province_db("79"))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseBusy, match="đang được một tiến trình khác ghi") as e:
            ingest_inbox(s, "79", good["vi"])
        assert "locked by another writer" in str(e.value)
    finally:
        holder.kill()
        holder.wait()
    assert _counts(s.province_db("79")) == before


def test_out_of_memory_names_the_file_and_a_rerun_finishes_the_batch(tmp_path, good):
    """duckdb_memory_limit reaches DuckDB (1 MB is too little for it to read any file): the
    file it ran out on is named, nothing of it is written, files before it (if any) stay
    loaded, and a run with enough memory loads the batch as a fresh load would."""
    s = _settings(tmp_path, duckdb_memory_limit="1MB")
    with pytest.raises(OutOfMemory, match="Hết bộ nhớ khi nạp tệp") as e:
        ingest_inbox(s, "79", good["csv"])
    files = sorted(p.name for p in good["csv"].iterdir())
    failed = e.value.source_file
    assert failed in files and "duckdb_memory_limit" in str(e.value) and "1MB" in str(e.value)
    assert str(pickle.loads(pickle.dumps(e.value))) == str(e.value)  # Prefect may persist a failed state
    with duckdb.connect(str(s.province_db("79")), read_only=True) as con:
        loaded = sorted(f for (f,) in con.execute("SELECT source_file FROM batches WHERE status = 'loaded'").fetchall())
        sources = {
            f for d in DATASETS for (f,) in con.execute(f"SELECT DISTINCT _source_file FROM {staging_table(d)}").fetchall()
        }
    assert loaded == files[: files.index(failed)]
    assert failed not in sources

    rerun = ingest_inbox(_settings(tmp_path), "79", good["csv"])
    assert {f.source_file for f in rerun.files if f.status == "duplicate"} == set(loaded)
    reference = tmp_path / "reference"
    ingest_inbox(_settings(reference), "79", good["csv"])
    staged = lambda db: {t: n for t, n in _counts(db).items() if t.startswith("stg_")}  # noqa: E731
    assert staged(s.province_db("79")) == staged(_settings(reference).province_db("79"))
