"""Files that lie or attack (issue #16), and inputs stewards really get (issue #19), each on
real files, a real DuckDB file and the real readers."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
import time
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ddss.admin_units import communes_2025, communes_pre2025
from ddss.ingest import OutOfMemory, ingest_inbox
from ddss.read import preview_file
from ddss.settings import Settings
from tests.conftest import ROOT

POP_HEADER = (
    "person_id,full_name,sex,date_of_birth,birth_registration_place,home_town,residence_commune_code,"
    "ethnicity,nationality,date_of_death,updated_at"
)


def _settings(root: Path, **extra) -> Settings:
    return Settings.load(ROOT, data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx", **extra)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _outcomes(result) -> dict:
    return {f.source_file: f for f in result.files}


def _db(s: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(s.province_db("79")), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_file_names_are_data_not_patterns(tmp_path, good):
    pop = _lines(good["csv"] / "population.csv")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "population[1].csv").write_text("\n".join(pop[:4]) + "\n", encoding="utf-8")
    (inbox / "population1.csv").write_text("\n".join([pop[0], *pop[4:11]]) + "\n", encoding="utf-8")
    (inbox / "p*.csv").write_text("\n".join([pop[0], *pop[11:13]]) + "\n", encoding="utf-8")
    s = _settings(tmp_path)
    got = _outcomes(ingest_inbox(s, "79", inbox))
    assert {n: o.rows_staged for n, o in got.items()} == {"population[1].csv": 3, "population1.csv": 7, "p*.csv": 2}
    rows = dict(_db(s, "SELECT _source_file, min(person_id) FROM stg_population GROUP BY 1"))
    assert rows["population[1].csv"] == min(line.split(",")[0] for line in pop[1:4])


def test_links_fifos_and_folders_are_skipped_never_followed(tmp_path, good):
    inbox, outside = tmp_path / "in", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    (outside / "death.csv").write_bytes((good["csv"] / "death.csv").read_bytes())
    (inbox / "passwd.csv").symlink_to("/etc/passwd")
    (inbox / "death.csv").symlink_to(outside / "death.csv")
    os.mkfifo(inbox / "pipe.csv")
    (inbox / "older").mkdir()
    (inbox / "older" / "birth.csv").write_bytes((good["csv"] / "birth.csv").read_bytes())
    (inbox / "marriage.csv").write_bytes((good["csv"] / "marriage.csv").read_bytes())
    s = _settings(tmp_path)
    got = _outcomes(ingest_inbox(s, "79", inbox))  # a FIFO opened for reading would block forever
    assert {n: o.status for n, o in got.items()} == {
        "passwd.csv": "skipped",
        "death.csv": "skipped",
        "pipe.csv": "skipped",
        "older": "skipped",
        "marriage.csv": "loaded",
    }
    assert "symlink" in got["passwd.csv"].reason_vi and "FIFO" in got["pipe.csv"].reason_vi
    assert "thư mục" in got["older"].reason_vi
    kept = list(s.quarantine_dir("79").rglob("*")) if s.quarantine_dir("79").exists() else []
    assert not [p for p in kept if p.is_file()]  # nothing of /etc/passwd copied anywhere
    assert _db(s, "SELECT count(*) FROM stg_death")[0][0] == 0
    assert _db(s, "SELECT status, count(*) FROM batches GROUP BY 1 ORDER BY 1") == [("loaded", 1), ("skipped", 4)]


def test_the_hash_recorded_is_that_of_the_bytes_loaded(tmp_path, good):
    """The agency's file grows while ingest runs: whatever was read, the recorded size and
    SHA-256 are those of exactly the bytes whose rows were loaded."""
    pop = _lines(good["csv"] / "population.csv")
    inbox = tmp_path / "in"
    inbox.mkdir()
    target = inbox / "population.csv"
    target.write_text("\n".join(pop[:2]) + "\n", encoding="utf-8")
    s = _settings(tmp_path)
    done = threading.Event()

    def grow() -> None:
        i = 2
        while not done.is_set() and i < len(pop):
            with target.open("a", encoding="utf-8") as f:
                f.write(pop[i] + "\n")
            i += 1
            time.sleep(0.0005)

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        ingest_inbox(s, "79", inbox)
    finally:
        done.set()
        writer.join()
    ((sha, size, read, staged),) = _db(s, "SELECT file_sha256, file_bytes, rows_read, rows_staged FROM batches")
    loaded = target.read_bytes()[:size]
    assert hashlib.sha256(loaded).hexdigest() == sha
    assert read == staged == loaded.count(b"\n") - 1


def test_mixed_encodings_quarantine_the_odd_lines_never_mojibake(tmp_path, good):
    """A UTF-8 line in a Windows-1258 file (one editor saved it in between)."""
    lines = (good["cp1258"] / "population.csv").read_bytes().splitlines()
    utf8 = (good["vi"] / "population.csv").read_bytes().splitlines()
    lines[5] = utf8[5]
    path = tmp_path / "population.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    read = preview_file(path, 10**9)
    assert read.result.encoding == "cp1258"
    assert read.quarantined["_source_row"].to_list() == [5]
    assert "UTF-8" in read.quarantined["reason_vi"][0] and read.quarantined["check_id"][0] == "ingest.bad_row"
    assert read.quarantined["raw_line"][0] == utf8[5].decode("utf-8")  # the line as meant, not garbled
    clean = pl.read_csv(good["vi"] / "population.csv", infer_schema=False)
    names = read.staged["full_name"].to_list()
    assert names == [n for i, n in enumerate(clean["Họ và tên"].to_list(), start=1) if i != 5]


def test_a_nul_byte_quarantines_its_row_not_the_file(tmp_path, good):
    pop = _lines(good["csv"] / "population.csv")[:8]
    path = tmp_path / "population.csv"
    pop[3] = pop[3].replace(",", ",\x00", 1)
    path.write_text("\n".join(pop) + "\n", encoding="utf-8")
    read = preview_file(path, 10**9)
    assert read.result.rows_read == 7 and read.staged.height == 6
    assert read.quarantined["_source_row"].to_list() == [3]
    assert "NUL" in read.quarantined["reason_vi"][0]


def test_a_line_longer_than_the_reader_limit_quarantines_that_line_only(tmp_path, good):
    pop = _lines(good["csv"] / "population.csv")[:6]
    fields = pop[2].split(",")
    fields[1] = "A" * 2_200_000
    pop[2] = ",".join(fields)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "population.csv").write_text("\n".join(pop) + "\n", encoding="utf-8")
    s = _settings(tmp_path)
    (o,) = ingest_inbox(s, "79", inbox).files
    assert (o.status, o.rows_read, o.rows_staged, o.rows_quarantined) == ("loaded", 5, 4, 1)
    ((row, reason),) = _db(s, "SELECT source_row, reason_vi FROM quarantine_rows")
    assert row == 2 and "dài hơn giới hạn" in reason


def test_lineage_column_names_are_refused_naming_the_column_and_block_nothing(tmp_path, good):
    inbox = tmp_path / "in"
    inbox.mkdir()
    frame = pl.read_parquet(good["parquet"] / "death.parquet").with_columns(pl.lit(1).alias("_source_row"))
    frame.write_parquet(inbox / "death.parquet")
    (inbox / "marriage.csv").write_bytes((good["csv"] / "marriage.csv").read_bytes())
    s = _settings(tmp_path)
    for _ in range(2):  # and again: the inbox is never blocked by it
        got = _outcomes(ingest_inbox(s, "79", inbox))
        assert got["death.parquet"].status == "rejected" and "_source_row" in got["death.parquet"].reason_vi
    assert got["marriage.csv"].status == "duplicate"  # loaded by the first run


def _tiny_sheet_xml(cells: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:XFD1048576"/><sheetData>{cells}</sheetData></worksheet>'
    )


_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx_bomb(path: Path) -> None:
    """A few KB: one header cell in A1 and one value in XFD1048576 (17 billion cells as a grid)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_OD}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_OD}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            _tiny_sheet_xml(
                '<row r="1"><c r="A1" t="inlineStr"><is><t>person_id</t></is></c></row>'
                '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
            ),
        )


def test_an_xlsx_bomb_is_refused_before_it_is_read(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    _xlsx_bomb(inbox / "population.xlsx")
    assert (inbox / "population.xlsx").stat().st_size < 20_000
    s = _settings(tmp_path)
    (o,) = ingest_inbox(s, "79", inbox).files
    assert o.status == "rejected" and "max_cells" in o.reason_vi and "giải nén" in o.reason_vi


def test_a_parquet_beyond_the_row_limit_is_refused_from_its_footer(tmp_path, good):
    inbox = tmp_path / "in"
    inbox.mkdir()
    one = pl.read_parquet(good["parquet"] / "death.parquet").head(1)
    one[[0] * 300_000].write_parquet(inbox / "death.parquet")  # one row repeated: compresses to little
    assert (inbox / "death.parquet").stat().st_size < 2_000_000
    s = _settings(tmp_path, max_rows=100_000)
    (o,) = ingest_inbox(s, "79", inbox).files
    assert o.status == "rejected" and "max_rows" in o.reason_vi and "300000" in o.reason_vi


def test_out_of_memory_on_a_parquet_file_is_out_of_memory_not_corrupt(tmp_path, good):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "population.parquet").write_bytes((good["parquet"] / "population.parquet").read_bytes())
    with pytest.raises(OutOfMemory):
        ingest_inbox(_settings(tmp_path, duckdb_memory_limit="1MB"), "79", inbox)


def test_decompression_limits_are_settings_checked_when_loaded():
    s = Settings.load(ROOT)
    assert (s.max_expanded_bytes, s.max_rows, s.max_cells) == (4096 * 2**20, 20_000_000, 50_000_000)


def test_excel_csv_with_semicolons_and_decimal_comma(tmp_path, good):
    """What Excel writes under Vietnamese regional settings: ';' separates, ',' is the decimal sign."""
    src = good["vi"] / "parcel.csv"
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "parcel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    semi, comma = preview_file(path, 10**9), preview_file(src, 10**9)
    assert semi.dataset == "parcel" and semi.quarantined.height == 0
    assert any("," in r[3] for r in rows[1:])  # the areas really use the decimal comma
    assert semi.staged.drop("_source_row").equals(comma.staged.drop("_source_row"))


# Legacy font encodings, written byte by byte: "Nguyễn Thị Hương", "Trần Văn Đức", "Việt Nam", "Nữ".
_VNI = {"Nguyễn Thị Hương": b"Nguye\xe3n Th\xf2 H\xf6\xf4ng", "Trần Văn Đức": b"Tra\xe0n Va\xean \xd1\xf6\xf9c"}
_VNI |= {"Việt Nam": b"Vie\xe4t Nam", "Nữ": b"N\xf6\xf5"}
_TCVN3 = {"Nguyễn Thị Hương": b"Nguy\xd4n Th\xde H\xad\xacng", "Trần Văn Đức": b"Tr\xc7n V\xa8n \xa7\xf8c"}
_TCVN3 |= {"Việt Nam": b"Vi\xd6t Nam", "Nữ": b"N\xf7"}


@pytest.mark.parametrize(("encoding", "table"), [("VNI", _VNI), ("TCVN3 (ABC)", _TCVN3)])
def test_legacy_vietnamese_encodings_are_refused_by_name(tmp_path, encoding, table):
    rows = [
        [b"079190000001", table["Nguyễn Thị Hương"], table["Nữ"], b"1990-01-01", b"26734", b"26734", b"26734", b"Kinh"],
        [b"079090000002", table["Trần Văn Đức"], b"Nam", b"1990-02-01", b"26734", b"26734", b"26734", b"Kinh"],
    ]
    body = b"".join(b",".join([*r, table["Việt Nam"], b"", b"2025-08-01 00:00:00"]) + b"\r\n" for r in rows)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "population.csv").write_bytes(POP_HEADER.encode() + b"\r\n" + body)
    (o,) = ingest_inbox(_settings(tmp_path), "79", inbox).files
    assert o.status == "rejected" and encoding in o.reason_vi and encoding in o.reason_en


def _commune(province: str) -> str:
    return next(c.code for c in communes_2025().values() if c.province_code == province)


def test_files_of_another_province_are_refused_whole(tmp_path, good):
    s = _settings(tmp_path)
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("population.csv", "birth.csv", "parcel.csv"):
        (inbox / name).write_bytes((good["csv"] / name).read_bytes())
    got = _outcomes(ingest_inbox(s, "01", inbox))  # province 79's files loaded as 01
    for name in ("population.csv", "birth.csv", "parcel.csv"):
        assert got[name].status == "rejected", name
        assert "tỉnh khác" in got[name].reason_vi and "(mã 79)" in got[name].reason_vi


def test_places_of_events_may_be_anywhere_and_merged_provinces_belong_to_the_new_one(tmp_path, good):
    """Births in a hospital of Hà Nội stay births of TP HCM; residences coded before the reform
    in Bình Dương (74, merged into 79) belong to 79."""
    birth = list(csv.reader(io.StringIO((good["csv"] / "birth.csv").read_text(encoding="utf-8"))))
    at = birth[0].index("place_of_birth")
    for r in birth[1:]:
        r[at] = _commune("01")
    pop = list(csv.reader(io.StringIO((good["csv"] / "population.csv").read_text(encoding="utf-8"))))
    old74 = [c.code for c in communes_pre2025().values() if c.province_code == "74"]
    res = pop[0].index("residence_commune_code")
    for i, r in enumerate(pop[1:]):
        r[res] = old74[i % len(old74)]
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name, rows in (("birth.csv", birth), ("population.csv", pop)):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (inbox / name).write_text(out.getvalue(), encoding="utf-8")
    got = _outcomes(ingest_inbox(_settings(tmp_path), "79", inbox))
    assert {n: o.status for n, o in got.items()} == {"birth.csv": "loaded", "population.csv": "loaded"}


def test_every_matching_sheet_of_a_workbook_is_read_and_the_others_listed(tmp_path, good):
    import xlsxwriter

    pop, death = (list(csv.reader(io.StringIO(_text(good["csv"] / n)))) for n in ("population.csv", "death.csv"))
    inbox = tmp_path / "in"
    inbox.mkdir()
    book = xlsxwriter.Workbook(str(inbox / "lo_thang_11.xlsx"))
    for sheet, rows in (("Dân cư", pop), ("Ghi chú", [["Ghi chú của cán bộ"], ["Gửi kèm danh sách"]]), ("Khai tử", death)):
        ws = book.add_worksheet(sheet)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                ws.write_string(i, j, v)
    book.close()
    s = _settings(tmp_path)
    result = ingest_inbox(s, "79", inbox)
    got = _outcomes(result)
    assert {n: (o.status, o.dataset, o.rows_staged) for n, o in got.items()} == {
        "lo_thang_11.xlsx#Dân cư": ("loaded", "population", len(pop) - 1),
        "lo_thang_11.xlsx#Khai tử": ("loaded", "death", len(death) - 1),
    }
    assert [(n.source_file, n.kind) for n in result.notes] == [("lo_thang_11.xlsx#Ghi chú", "sheet_unmatched")]
    assert _db(s, "SELECT count(*) FROM stg_death")[0][0] == len(death) - 1


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_no_cell_value_in_any_reason(tmp_path, good):
    """Reasons name files, rows, columns and counts: never a value from the file."""
    pop = _lines(good["csv"] / "population.csv")
    inbox = tmp_path / "in"
    inbox.mkdir()
    bad = pop[:6]
    bad[2] = bad[2] + ",thừa"
    bad[3] = bad[3].replace(",", ",\x00", 1)
    (inbox / "population.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    (inbox / "population_x.parquet").write_bytes(b"PAR1 not really")
    # no header row: the first record is taken for one, and its repeated codes are "duplicates"
    headerless = [line for line in pop[1:40] if len(set(line.split(","))) < len(line.split(","))][:3]
    assert headerless
    (inbox / "population_no_header.csv").write_text("\n".join(headerless) + "\n", encoding="utf-8")
    (inbox / "death.csv").write_text("_batch_id," + _lines(good["csv"] / "death.csv")[0] + "\n", encoding="utf-8")
    s = _settings(tmp_path)
    ingest_inbox(s, "79", inbox)
    values = {v for line in [*pop[1:6], *headerless] for v in line.split(",") if len(v) > 3}
    reasons = _db(s, "SELECT coalesce(reason_vi, '') || ' ' || coalesce(reason_en, '') FROM batches")
    reasons += _db(s, "SELECT reason_vi || ' ' || reason_en FROM quarantine_rows")
    assert len(reasons) >= 5
    for (text,) in reasons:
        assert not [v for v in values if v in text], text
