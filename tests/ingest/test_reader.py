"""The reader's internals that speed depends on, held to the exact semantics (batch-format.md):
DuckDB's CSV reader (fast path) and the SQL line splitter (exact path) give the same
rows, numbers and reasons; the NFC pre-check never lets a decomposable value through."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ddss.read import preview_file, scan_file
from ddss.read.csv_text import LINES, load_lines
from ddss.read.nfc_quick import MAYBE_NOT_NFC, build


def _read(path: Path, exact: bool) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    p = preview_file(path, 10**9, exact_csv=exact)
    assert p.result.rows_read == p.staged.height + p.quarantined.height
    return p.staged, p.quarantined, p.result.rows_read


@pytest.mark.parametrize(
    ("content", "endings"),
    [
        (b"a\nb\n", "lf"),
        (b"a\nb", "lf"),
        (b"a\n\n", "lf"),
        (b"\n\nb", "lf"),
        (b"a\r\nb\r\n", "crlf"),
        (b"a\r\n\r\nb", "crlf"),
        (b"a\rb\r", "cr"),
        (b"a\r\rb", "cr"),
        (b"a", "none"),
    ],
)
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 1 << 22])
def test_scan_counts_the_lines_duckdb_reads(tmp_path, content, endings, chunk_size):
    """The fast path trusts this count (one record per line); a CRLF split across two
    chunks must still count once."""
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with duckdb.connect() as con:
        load_lines(con, path)
        duckdb_lines = con.execute(f"SELECT count(*) FROM {LINES}").fetchall()[0][0]
    scan = scan_file(path, chunk_size)
    assert (scan.lines, scan.line_endings, scan.size) == (duckdb_lines, endings, len(content))


@pytest.mark.parametrize("content", [b"a\n\r\nb", b"a\r\r\nb", b"a\r\nb\nc\rd\r\n"])
def test_mixed_line_endings_are_named_so_only_the_exact_path_reads_them(tmp_path, content):
    """DuckDB splits such files inconsistently ('a\\r\\r\\nb' gives 'a' and '\\nb')."""
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert scan_file(path, 2).line_endings == "mixed"


def test_clean_files_take_the_fast_path_and_irregular_ones_the_exact(tmp_path, good):
    """Windows-1258 goes through a transcoded copy; CRLF endings count once per line."""
    lf = preview_file(good["vi"] / "parcel.csv", 10**9)
    crlf_path = tmp_path / "parcel.csv"
    crlf_path.write_bytes((good["vi"] / "parcel.csv").read_bytes().replace(b"\n", b"\r\n"))
    crlf = preview_file(crlf_path, 10**9)
    cp1258 = preview_file(good["cp1258"] / "parcel.csv", 10**9)
    assert not any(p.result.exact_path for p in (lf, crlf, cp1258))
    assert lf.staged.equals(crlf.staged) and lf.staged.equals(cp1258.staged)
    assert cp1258.result.encoding == "cp1258" and lf.staged.height == lf.result.rows_read
    lines = (good["csv"] / "population.csv").read_text(encoding="utf-8").splitlines()[:5]
    lines[3] += ",thừa"
    path = tmp_path / "population.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert preview_file(path, 10**9).result.exact_path


@pytest.mark.parametrize(
    ("form", "name"), [("csv", "population.csv"), ("vi", "parcel.csv"), ("vi", "certificate.csv"), ("cp1258", "population.csv")]
)
def test_fast_and_exact_csv_paths_agree_on_clean_files(good, form, name):
    """parcel.csv in the vi form quotes every line (decimal comma, addresses with commas)."""
    fast = _read(good[form] / name, exact=False)
    exact = _read(good[form] / name, exact=True)
    assert fast[0].equals(exact[0]) and fast[1].equals(exact[1])
    assert fast[1].height == 0 and fast[2] == fast[0].height


def test_exact_path_sets_aside_irregular_lines_with_their_numbers(tmp_path, good):
    lines = (good["vi"] / "parcel.csv").read_text(encoding="utf-8").splitlines()[:12]
    lines[2] = lines[2] + ",thừa"  # an extra field
    lines[4] = lines[4].replace('"', "", 1)  # an unclosed quote
    lines[6] = ""  # a blank line
    lines[8] = lines[8].replace(',"', ', "', 1)  # a space before a quote: not RFC 4180
    path = tmp_path / "parcel.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    staged, quarantined, rows = _read(path, exact=False)  # the fast path fails and falls back
    assert rows == 11
    assert quarantined["_source_row"].to_list() == [2, 4, 6, 8]
    assert set(quarantined["check_id"]) == {"ingest.bad_row"}
    assert quarantined["raw_line"].to_list() == [lines[i] for i in (2, 4, 6, 8)]
    assert staged["_source_row"].to_list() == [1, 3, 5, 7, 9, 10, 11]
    assert staged.equals(_read(path, exact=True)[0])


def test_a_value_holding_the_line_separator_byte_is_kept_whole(tmp_path, good):
    lines = (good["csv"] / "population.csv").read_text(encoding="utf-8").splitlines()[:4]
    fields = lines[1].split(",")
    fields[1] = "Nguyễn\x1eVăn\x1fAn"
    lines[1] = ",".join(fields)
    path = tmp_path / "population.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged, _, rows = _read(path, exact=False)
    assert rows == 3 and staged["full_name"][0] == "Nguyễn\x1eVăn\x1fAn"


def test_nfc_class_is_derived_from_unicode_data():
    assert build() == MAYBE_NOT_NFC


def test_text_outside_the_nfc_class_is_already_nfc():
    """The pre-check's promise, on Vietnamese in both forms and random code points."""
    rng = random.Random(6)
    samples = ["Nguyễn Thị Ánh", "Đặng Hữu Phước", "Ω", "\u2126", "e\u0301", "\u1100\u1161", "가", "ﬁ"]
    samples += [unicodedata.normalize("NFD", s) for s in samples]
    samples += ["".join(chr(rng.randrange(0x20, 0x30000)) for _ in range(6)) for _ in range(20000)]
    samples = [s for s in samples if not any(0xD800 <= ord(c) <= 0xDFFF for c in s)]
    with duckdb.connect() as con:
        flagged = con.execute(
            "SELECT list(regexp_matches(s, ?)) FROM (SELECT unnest(?) AS s)", [MAYBE_NOT_NFC, samples]
        ).fetchall()[0][0]
    unflagged_changed = [s for s, f in zip(samples, flagged, strict=True) if not f and unicodedata.normalize("NFC", s) != s]
    assert unflagged_changed == []
    assert any(flagged)  # the decomposed samples are caught


def test_blank_cells_are_null_and_other_spaces_are_kept(tmp_path, good):
    """batch-format.md: an empty or whitespace-only cell is no value; text is kept as sent;
    dates and numbers may carry surrounding spaces."""
    lines = (good["csv"] / "population.csv").read_text(encoding="utf-8").splitlines()[:6]
    header = lines[0].split(",")
    name, home, dob = header.index("full_name"), header.index("home_town"), header.index("date_of_birth")
    cells = [r.split(",") for r in lines[1:]]
    cells[0][home], cells[1][home], cells[2][home], cells[3][home] = "   ", "\t", "\u00a0\u00a0", ""
    cells[4][name] = "  Lê Văn  An "
    cells[4][dob] = " " + cells[4][dob] + "\u00a0"
    path = tmp_path / "population.csv"
    path.write_text("\n".join([lines[0], *(",".join(c) for c in cells)]) + "\n", encoding="utf-8")
    staged, quarantined, _ = _read(path, exact=False)
    assert quarantined.height == 0
    assert staged["home_town"].to_list()[:4] == [None] * 4
    assert staged["full_name"][4] == "  Lê Văn  An "
    assert staged["date_of_birth"][4] is not None


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_binary_rows_are_numbered_and_bad_cells_quarantined_with_their_text(tmp_path, good, fmt):
    frame = pl.read_csv(good["csv"] / "population.csv", infer_schema=False).head(8)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("31/04/2001")).otherwise(pl.col("date_of_birth")).alias("date_of_birth")
    )
    path = tmp_path / f"population.{fmt}"
    frame.write_parquet(path) if fmt == "parquet" else frame.write_excel(path)
    staged, quarantined, rows = _read(path, exact=False)
    assert rows == 8 and staged["_source_row"].to_list() == [1, 2, 3, 4, 5, 7, 8]
    assert quarantined["_source_row"].to_list() == [6]
    assert quarantined["check_id"][0] == "ingest.bad_date" and quarantined["column_name"][0] == "date_of_birth"
    assert quarantined["raw_line"][0] == ",".join(v or "" for v in frame.row(5))
