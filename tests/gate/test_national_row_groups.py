"""The DuckDB national store appends in row groups of ``ROW_GROUP_SIZE`` (half DuckDB's
default), so that the gate's batches — a province's staged row groups less the few rows it
holds — are each at least one whole row group: DuckDB's batch insert then writes every batch
on the thread that read it instead of keeping the short ones and merging them after the scan
(docs/gate-speed.md, session 11). The row-group size is a connection option: a plain
connection reads the file as it is, and a second writer in the same process waits. The
province file is ATTACHed for a gate with ``PROVINCE_ROW_GROUP_SIZE``, so its holds are
written once, compressed, at their commit."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ddss.sql import ident
from ddss.store import DatabaseBusy, writer
from ddss.store.national import ProvinceRows
from ddss.store.national_duckdb import PROVINCE_ROW_GROUP_SIZE, ROW_GROUP_SIZE, DuckDBNationalStore
from ddss.store.national_tables import incoming_columns

SOURCE_GROUP = 122_880  # DuckDB's default row group: the staged tables' (province files use the default)


def _source(path, groups: int) -> None:
    """A province-like file whose table ``src`` has the death dataset's incoming columns,
    ``groups`` full row groups of source rows 0, 1, …"""
    values = {"register_book": "'Q1'", "entry_no": "i", "registering_commune_code": "'26734'", "_province": "'79'",
              "_batch_id": "'b1'", "_source_file": "'death.csv'", "_source_row": "i"}  # fmt: skip
    cols = ", ".join(f"CAST({values.get(n, 'NULL')} AS {t}) AS {ident(n)}" for n, t in incoming_columns("death"))
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE src AS SELECT {cols} FROM range({groups * SOURCE_GROUP}) r(i)")  # noqa: S608
        layout = con.execute("SELECT DISTINCT row_group_id FROM pragma_storage_info('src')").fetchall()
        assert len(layout) == groups


def test_a_short_batch_is_written_whole_in_row_groups_of_the_store_size(tmp_path):
    assert ROW_GROUP_SIZE < SOURCE_GROUP and SOURCE_GROUP % ROW_GROUP_SIZE == 0
    _source(tmp_path / "province.duckdb", 2)
    # Every 20th row held, as a gate holds a few % of every staged row group: each batch is
    # 116 736 rows, short of a default row group, longer than the store's.
    cols = ", ".join(ident(n) for n, _ in incoming_columns("death"))
    rows = ProvinceRows(tmp_path / "province.duckdb", lambda c: f"SELECT {cols} FROM {c}src WHERE _source_row % 20 <> 0", {})  # noqa: S608
    store = DuckDBNationalStore(tmp_path / "national.duckdb")
    try:
        with store.transaction():
            counts = store.promote("death", rows, "run-1")
        assert counts.inserted == 2 * SOURCE_GROUP * 19 // 20
        stored = store.con.execute(
            "SELECT row_group_id, max(start + count) - min(start) FROM pragma_storage_info('nat_death')"
            " WHERE column_name = '_source_row' GROUP BY ALL ORDER BY 1"
        ).fetchall()
    finally:
        store.close()
    # Each batch became one full row group of the store's size and its rest, so it was written
    # by the thread that read it; with DuckDB's default size both would be short (116 736 rows
    # each), kept unwritten, then written after the scan or merged with a neighbour.
    sizes = [n for _, n in stored]
    assert sizes == [ROW_GROUP_SIZE, 116_736 - ROW_GROUP_SIZE] * 2
    with duckdb.connect(str(tmp_path / "national.duckdb"), read_only=True) as plain:  # read as it is, no option
        read = plain.execute("SELECT count(*), count(*) FILTER (_source_row % 20 = 0) FROM nat_death").fetchall()
    assert read == [(counts.inserted, 0)]


def test_a_second_writer_in_the_same_process_waits(tmp_path):
    first = DuckDBNationalStore(tmp_path / "national.duckdb")
    try:
        with pytest.raises(DatabaseBusy):
            DuckDBNationalStore(tmp_path / "national.duckdb", busy_timeout_s=0.5)
    finally:
        first.close()
    DuckDBNationalStore(tmp_path / "national.duckdb").close()  # free again once the first is closed


def test_a_gate_writes_its_holds_compressed_at_commit_not_into_the_wal(tmp_path):
    # The province is ATTACHed for a gate with PROVINCE_ROW_GROUP_SIZE: an append of at least
    # that many holds is written compressed when it commits (the WAL only names its blocks),
    # not row by row into the WAL and compressed again by the checkpoint when it is detached.
    province = tmp_path / "province_79.duckdb"
    with writer(province):
        pass  # a province file with its schema
    rows = PROVINCE_ROW_GROUP_SIZE + 3_000
    store = DuckDBNationalStore(tmp_path / "national.duckdb")
    try:
        with store.province_session(province) as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO holds (run_id, dataset, source_row, record_key, reasons_vi)"
                " SELECT 'r1', 'birth', i, 'k' || i, 'Lý do ' || i FROM range(?) r(i)",
                [rows],
            )
            con.execute("COMMIT")
            wal = Path(str(province) + ".wal")
            wal_bytes = wal.stat().st_size if wal.exists() else 0
            sizes = [
                n
                for _, n in con.execute(
                    "SELECT row_group_id, max(start + count) - min(start) FROM pragma_storage_info('holds')"
                    " WHERE column_name = 'source_row' GROUP BY ALL ORDER BY 1"
                ).fetchall()
            ]
    finally:
        store.close()
    assert sizes == [PROVINCE_ROW_GROUP_SIZE, 3_000]
    assert wal_bytes < 64 * 1024  # row by row, these rows take about 2 MB of WAL (4 KB this way)
    with duckdb.connect(str(province), read_only=True) as plain:
        assert plain.execute("SELECT count(*), count(DISTINCT record_key) FROM holds").fetchall() == [(rows, rows)]


def test_the_national_store_spills_beside_its_file_not_into_the_current_folder(tmp_path):
    """The store's connection is an in-memory database with the file ATTACHed; without its own
    temp_directory, work beyond the memory limit would go to ".tmp" in whatever folder the
    steward ran ddss from (never checked writable)."""
    store = DuckDBNationalStore(tmp_path / "national.duckdb", config={"memory_limit": "64MB"})
    try:
        (spill,) = store.con.execute("SELECT current_setting('temp_directory')").fetchone()
    finally:
        store.con.close()
    assert Path(spill) == tmp_path / "national.duckdb.tmp"
