"""A corpus of malformed batch files, each with its specific, bilingual reason (issue #4).

File-level problems reject the file (kept in quarantine with a reason file) and never
stop the rest of the batch; row-level problems quarantine the row with its raw text,
file, row number and reason. For every loaded file rows read = staged + quarantined.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import duckdb
import pytest

from ddss.ingest import ingest_inbox

POP = "population.csv"


def _lines(good: dict[str, Path], name: str = POP, form: str = "csv") -> list[str]:
    return (good[form] / name).read_text(encoding="utf-8").splitlines()


def _write(inbox: Path, name: str, content: str | bytes) -> None:
    path = inbox / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def _build_corpus(good: dict[str, Path], inbox: Path) -> dict[str, tuple[str, str]]:
    """file name -> (expected status, a phrase the Vietnamese reason must contain)."""
    pop = _lines(good)
    header, rows = pop[0], pop[1:]
    parcel = _lines(good, "parcel.csv")
    parquet = (good["parquet"] / "population.parquet").read_bytes()
    xlsx = (good["xlsx"] / "population.xlsx").read_bytes()
    cases: dict[str, tuple[str | bytes, str, str]] = {
        # file-level: rejected
        "01_empty.csv": (b"", "rejected", "Tệp rỗng"),
        "02_blank_lines.csv": ("\n\n\n", "rejected", "không có dòng tiêu đề"),
        "03_header_only.csv": (header + "\n", "loaded", ""),  # a valid empty delta: 0 rows
        "04_unknown_dataset.csv": ("ma,ten,gia\n1,a,2\n", "rejected", "Không nhận ra tập dữ liệu"),
        "05_missing_column.csv": (
            "\n".join(",".join(c for i, c in enumerate(r.split(",")) if i != 3) for r in pop[:5]) + "\n",
            "rejected",
            "Thiếu cột bắt buộc",
        ),
        "06_duplicate_headers.csv": (header + ",full_name\n" + rows[0] + ",x\n", "rejected", "Tiêu đề cột bị trùng"),
        "07_binary_garbage.csv": (bytes(range(256)) * 20, "rejected", "dữ liệu nhị phân"),
        "08_parquet_named_csv.csv": (parquet, "rejected", "sai phần mở rộng"),
        "09_parquet_named_xlsx.xlsx": (parquet, "rejected", "sai phần mở rộng"),
        "10_csv_named_parquet.parquet": ("\n".join(pop[:5]) + "\n", "rejected", "sai phần mở rộng"),
        "11_notes.docx": ("ghi chú\n", "rejected", "không được hỗ trợ"),
        "12_no_extension": ("\n".join(pop[:5]) + "\n", "rejected", "không được hỗ trợ"),
        "13_truncated.parquet": (parquet[: len(parquet) // 2], "rejected", "hỏng"),
        "14_corrupt.xlsx": (xlsx[:200] + b"\x00garbage" * 50, "rejected", "hỏng"),
        # a Windows-1258 header on UTF-8 rows: which one is right cannot be told
        "15_cp1258_header.csv": (b"ma,t\xean\n" + "\n".join(rows[:2]).encode() + b"\n", "rejected", "bảng mã khác"),
        "16_undecodable.csv": (header.encode() + b"\n" + b"\x81\x8d\x8e\x8f\x90" * 10 + b"\n", "rejected", "không giải mã được"),
        "16b_lineage_column.csv": (header + ",_source_row\n" + rows[0] + ",1\n", "rejected", "_source_row"),
        "16c_reserved_parquet_name.csv": (header + ",_batch_id\n" + rows[0] + ",x\n", "rejected", "_batch_id"),
        "17_truncated_line.csv": ("\n".join(pop[:4]) + '\n079,"Nguyễn', "loaded", ""),
        # row-level: loaded, some rows quarantined
        "15b_bad_utf8_after_bom.csv": (
            b"\xef\xbb\xbf" + header.encode() + b"\n" + rows[0].encode() + b"\nNguy\xea\xden,\xd0\xf4\n",
            "loaded",
            "",
        ),
        "18_impossible_date.csv": (_replace_field(pop, 1, 3, "1990-02-31"), "loaded", ""),
        "19_unparseable_date.csv": (_replace_field(pop, 1, 3, "ngày 5 tháng 3"), "loaded", ""),
        "20_text_area.csv": (_replace_field(parcel, 2, 3, "12a"), "loaded", ""),
        "21_extra_field.csv": ("\n".join(pop[:3] + [pop[3] + ",thừa"] + pop[4:8]) + "\n", "loaded", ""),
        "22_missing_field.csv": ("\n".join(pop[:3] + [pop[3].rsplit(",", 1)[0]] + pop[4:8]) + "\n", "loaded", ""),
        "23_unclosed_quote.csv": ("\n".join(pop[:3] + ['"' + pop[3]]) + "\n", "loaded", ""),
        "24_mixed_rows.csv": (_mixed(pop), "loaded", ""),
        "25_bad_timestamp.csv": (
            _replace_field(pop, 2, header.split(",").index("updated_at"), "2025-13-01 10:00:00"),
            "loaded",
            "",
        ),
        "26_area_wrong_separator.csv": (_replace_field(parcel, 1, 3, '"1,234.5"'), "loaded", ""),
    }
    for name, (content, _, _) in cases.items():
        _write(inbox, name, content)
    return {name: (status, phrase) for name, (_, status, phrase) in cases.items()}


def _replace_field(lines: list[str], row: int, col: int, value: str) -> str:
    """Set one field of data row ``row`` (1-based, simple unquoted CSV rows only)."""
    out = list(lines[:10])
    fields = out[row].split(",")
    fields[col] = value
    out[row] = ",".join(fields)
    return "\n".join(out) + "\n"


def _own_text(line: bytes) -> str:
    """A line decoded in its own encoding (UTF-8, else Windows-1258 composed)."""
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", line.decode("cp1258"))


def _mixed(lines: list[str]) -> str:
    out = list(lines[:12])
    for r in (2, 5, 9):
        f = out[r].split(",")
        f[3] = "31/04/2001"
        out[r] = ",".join(f)
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, good):
    from ddss.settings import Settings
    from tests.conftest import ROOT

    root = tmp_path_factory.mktemp("corpus")
    inbox = root / "inbox"
    inbox.mkdir()
    expected = _build_corpus(good, inbox)
    settings = Settings.load(ROOT, data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
    result = ingest_inbox(settings, "79", inbox)
    return settings, expected, {f.source_file: f for f in result.files}


def test_corpus_is_large_enough(corpus):
    _, expected, _ = corpus
    assert len(expected) >= 25
    assert sum(s == "rejected" for s, _ in expected.values()) >= 15


def test_each_file_gets_its_status_and_specific_reason(corpus):
    _, expected, outcomes = corpus
    assert set(outcomes) == set(expected)
    for name, (status, phrase) in expected.items():
        o = outcomes[name]
        assert o.status == status, (name, o.status, o.reason_vi)
        if status == "rejected":
            assert phrase.lower() in o.reason_vi.lower(), (name, o.reason_vi)
            assert o.reason_en and o.reason_en.isascii(), (name, o.reason_en)


def test_rejected_files_are_kept_with_their_reason(corpus):
    settings, expected, outcomes = corpus
    kept = {p.name: p for p in settings.quarantine_dir("79").rglob("*") if p.is_file()}
    for name, (status, _) in expected.items():
        if status == "rejected":
            assert name in kept, name
            reason = kept[name + ".reason.txt"].read_text(encoding="utf-8")
            assert outcomes[name].reason_vi in reason and name in reason


def test_rows_in_equal_rows_staged_plus_quarantined(corpus):
    settings, expected, outcomes = corpus
    with duckdb.connect(str(settings.province_db("79")), read_only=True) as con:
        rows = con.execute("SELECT source_file, rows_read, rows_staged, rows_quarantined, balanced FROM batches").fetchall()
        q = dict(con.execute("SELECT source_file, count(*) FROM quarantine_rows GROUP BY ALL").fetchall())
    assert len(rows) == len(expected)
    for f, read, staged, quarantined, balanced in rows:
        assert balanced and read == staged + quarantined, f
        assert q.get(f, 0) == quarantined, f


@pytest.mark.parametrize(
    ("name", "quarantined", "check_id", "phrase"),
    [
        ("03_header_only.csv", 0, "", ""),
        ("15b_bad_utf8_after_bom.csv", 1, "ingest.bad_row", "Windows-1258"),
        ("17_truncated_line.csv", 1, "ingest.bad_row", ""),
        ("18_impossible_date.csv", 1, "ingest.bad_date", "Ngày sinh"),
        ("19_unparseable_date.csv", 1, "ingest.bad_date", "Ngày sinh"),
        ("20_text_area.csv", 1, "ingest.bad_number", "Diện tích"),
        ("21_extra_field.csv", 1, "ingest.bad_row", ""),
        ("22_missing_field.csv", 1, "ingest.bad_row", ""),
        ("23_unclosed_quote.csv", 1, "ingest.bad_row", ""),
        ("24_mixed_rows.csv", 3, "ingest.bad_date", "Ngày sinh"),
        ("25_bad_timestamp.csv", 1, "ingest.bad_date", "Ngày cập nhật"),
        ("26_area_wrong_separator.csv", 1, "ingest.bad_number", "Diện tích"),
    ],
)
def test_bad_rows_are_quarantined_with_raw_text_row_and_reason(corpus, name, quarantined, check_id, phrase):
    settings, _, outcomes = corpus
    assert outcomes[name].rows_quarantined == quarantined
    with duckdb.connect(str(settings.province_db("79")), read_only=True) as con:
        got = con.execute(
            "SELECT source_row, check_id, reason_vi, raw_line FROM quarantine_rows WHERE source_file = ? ORDER BY source_row",
            [name],
        ).fetchall()
    assert len(got) == quarantined
    data = (settings.data_dir.parent / "inbox" / name).read_bytes().replace(b"\r\n", b"\n")
    lines = [_own_text(line) for line in data.split(b"\n")]
    for source_row, cid, reason, raw in got:
        assert cid == check_id and source_row >= 1
        assert raw == lines[source_row]  # the line as sent, found by its number
        assert phrase in reason, reason
