"""The raw text of a bad row on the fast path comes from line_texts, not from loading every
line into DuckDB: it must be the same text DuckDB's line reader gives, for every kind of
line ending, a last line without one, a BOM, Vietnamese text and lines across blocks."""

from __future__ import annotations

import duckdb
import pytest

from ddss.read import preview_file, scan_file
from ddss.read.csv_text import LINES, load_lines
from ddss.read.line_text import BAD_RAW, line_texts, load_bad_raw
from ddss.schema import DATASETS

_LINES = ["\ufeffa,b", "1,Nguyễn Văn Á", "", "  x ,y  ", "3," + "đ" * 40, "4,\t5"]


@pytest.mark.parametrize(("sep", "endings"), [("\n", "lf"), ("\r\n", "crlf"), ("\r", "cr")])
@pytest.mark.parametrize("last_ending", [True, False])
@pytest.mark.parametrize("block", [1, 2, 7, 1 << 24])
def test_line_texts_equal_duckdbs_lines(tmp_path, sep, endings, last_ending, block):
    path = tmp_path / "f.csv"
    path.write_bytes((sep.join(_LINES) + (sep if last_ending else "")).encode("utf-8"))
    assert scan_file(path).line_endings == endings
    with duckdb.connect() as con:
        load_lines(con, path)
        expected = dict(con.execute(f"SELECT rowid, line FROM {LINES}").fetchall())
    rows = [5, 1, 3, 2, 1, 0, 4]  # unsorted, repeated, the header, a blank line, the last line
    got = line_texts(path, rows, endings, block)
    assert got == {r: expected[r] for r in set(rows)}
    assert line_texts(path, [6, 99], endings, block) == {}  # past the end: absent, never invented


def test_bad_rows_keep_their_raw_text_on_the_fast_path(tmp_path):
    """End to end: bad rows (a date, a number) far apart in a CRLF file with a BOM are
    quarantined with their own line, their row and column; the good rows are staged."""
    cols = DATASETS["population"].columns
    value = {"str": "Nguyễn Văn {i}", "date": "01/02/1990", "timestamp": "2026-01-01 08:00", "int": "{i}", "float": "1,5"}
    header = ",".join(c.name for c in cols)
    rows = [",".join(value[c.dtype].format(i=i) for c in cols) for i in range(1, 3001)]
    rows[1499] = rows[1499].replace("01/02/1990", "31/02/1990", 1)
    rows[2999] = rows[2999].replace("2026-01-01 08:00", "2026-13-01 08:00")
    path = tmp_path / "population.csv"
    path.write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    p = preview_file(path, 10**9)
    assert not p.result.exact_path
    assert p.staged.height == 2998
    q = p.quarantined.select("_source_row", "column_name", "raw_line").rows()
    first_date = next(c.name for c in cols if c.dtype == "date")
    assert q == [(1500, first_date, rows[1499]), (3000, "updated_at", rows[2999])]


def test_load_bad_raw_refuses_rather_than_invents(tmp_path):
    """A row that is not in the file makes no table (the reader then loads every line):
    a quarantined row never gets another row's text or none."""
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    with duckdb.connect() as con:
        assert not load_bad_raw(con, path, [1, 3], "lf")
        assert not con.execute(f"SELECT * FROM duckdb_tables() WHERE table_name = '{BAD_RAW}'").fetchall()
        assert load_bad_raw(con, path, [2, 1], "lf")
        assert con.execute(f"SELECT * FROM {BAD_RAW} ORDER BY 1").fetchall() == [(1, "1,2"), (2, "3,4")]
        assert load_bad_raw(con, path, [], "lf")
        assert con.execute(f"SELECT count(*) FROM {BAD_RAW}").fetchall() == [(0,)]
