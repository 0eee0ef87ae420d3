"""What a file's bytes prove about its cells (text_bytes.py) lets typing skip the padding
and NFC checks. A proof must never be claimed where a cell is padded or a character can
change under NFC, whatever the chunking; where it is claimed, the rows are the same."""

from __future__ import annotations

import dataclasses
import re

import duckdb
import pytest

from ddss.read import QUARANTINED, STAGED, read_file, scan_file
from ddss.read.nfc_quick import MAYBE_NOT_NFC
from ddss.read.text_bytes import TextBytes
from ddss.schema import DATASETS

_NAME = "Nguyễn Thị Ánh Tuyết"  # composed Vietnamese: U+1Exx letters (E1 BA/BB xx) and U+00C1


def _proof(content: bytes, chunk: int) -> tuple[bool, bool]:
    t = TextBytes()
    for i in range(0, len(content), chunk):
        t.feed(content[i : i + chunk])
    t.finish()
    return t.padded, t.maybe_not_nfc


@pytest.mark.parametrize(
    ("content", "padded", "not_nfc"),
    [
        (f"a,b\n1,{_NAME}\n2,x y\n".encode(), False, False),
        (f"\ufeffa,b\r\n1,{_NAME}\r\n".encode(), False, False),  # a byte-order mark, CRLF
        (f'a;b\n1;"{_NAME},x"\n'.encode(), False, False),  # a comma inside quotes, no space beside it
        (b'a,b\n1,"x, y"\n', True, False),  # conservative: a space beside any comma counts
        (b"a,b\n1, x\n", True, False),
        (b"a,b\n1,x \n", True, False),
        (b"a,b\n1,x \r\n", True, False),
        (b'a,b\n1," x"\n', True, False),
        (b"a;b\n1;x ;2\n", True, False),
        (b"a,b\n1,x\ty\n", True, False),  # any tab
        ("a,b\n1,x\u00a0y\n".encode(), True, False),  # any NBSP
        (b" a,b\n1,x\n", True, False),  # at the file's start
        (b"a,b\n1,x ", True, False),  # at the file's end
        ("a,b\n1,Nguye\u0302\u0303n\n".encode(), False, True),  # decomposed (NFD)
        ("a,b\n1,\u1f71\n".encode(), False, True),  # Greek: E1 BD B1, in the class
        ("a,b\n1,\u212b\n".encode(), False, True),  # ANGSTROM SIGN: E2 84 AB
        (b"a,b\n1,\xe1", False, True),  # a lead byte with nothing after it
    ],
)
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 22])
def test_proofs_from_bytes_in_any_chunking(content, padded, not_nfc, chunk):
    assert _proof(content, chunk) == (padded, not_nfc)


def test_the_nfc_byte_rule_covers_the_whole_class():
    """Every character of MAYBE_NOT_NFC is at or above U+0300 and outside U+1E00–U+1EFF,
    and the byte rule finds each range's ends; Vietnamese letters pass."""
    ranges = [(int(a, 16), int(b or a, 16)) for a, b in re.findall(r"\\x\{(\w+)\}(?:-\\x\{(\w+)\})?", MAYBE_NOT_NFC)]
    assert len(ranges) > 200 and min(a for a, _ in ranges) >= 0x300
    assert not [r for r in ranges if r[1] >= 0x1E00 and r[0] <= 0x1EFF]
    for a, b in ranges:
        for cp in {a, b}:
            assert _proof(f"a\n{chr(cp)}\n".encode(), 1 << 22)[1], hex(cp)
    letters = "".join(chr(cp) for cp in [*range(0x21, 0x7F), *range(0xA1, 0x300), *range(0x1E00, 0x1F00)])
    assert _proof(f"a\n{letters}\n".encode(), 1 << 22) == (False, False)


def _read(path, scan) -> tuple[list, list]:
    with duckdb.connect() as con:
        read_file(con, path, 10**9, scan=scan)
        staged = con.execute(f"SELECT * FROM {STAGED} ORDER BY _source_row").fetchall()
        quarantined = con.execute(f"SELECT * FROM {QUARANTINED} ORDER BY _source_row").fetchall()
    return staged, quarantined


def _population(path, cells: dict[str, str]) -> None:
    cols = DATASETS["population"].columns
    value = {"str": "Nguyễn Văn {i}", "date": "01/02/1990", "timestamp": "2026-01-01 08:00", "int": "{i}", "float": "1,5"}
    rows = [[value[c.dtype].format(i=i) for c in cols] for i in range(1, 50)]
    names = [c.name for c in cols]
    rows[3][names.index("date_of_birth")] = "31/02/1990"  # quarantined either way
    for name, text in cells.items():
        rows[7][names.index(name)] = text
    path.write_text("\n".join([",".join(names), *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("cells", "proven", "matters"),
    [
        ({}, True, False),
        ({"full_name": _NAME}, True, False),
        ({"full_name": " Nguyễn "}, False, False),  # text keeps its spaces either way
        ({"full_name": "   "}, False, True),  # blank: NULL
        ({"date_of_birth": " 01/02/1990"}, False, True),  # trimmed, then a date
        ({"full_name": "Nguye\u0302\u0303n"}, False, True),  # composed to NFC
    ],
)
def test_rows_are_the_same_with_or_without_the_proofs(tmp_path, cells, proven, matters):
    """Staged and quarantined rows are those of the full checks; and a proof claimed
    falsely would change them where the check matters (so the comparison can fail)."""
    path = tmp_path / "population.csv"
    _population(path, cells)
    scan = scan_file(path)
    assert (not scan.padded_cells and not scan.maybe_not_nfc) == proven
    expected = _read(path, dataclasses.replace(scan, padded_cells=True, maybe_not_nfc=True))
    assert _read(path, scan) == expected
    assert len(expected[0]) == 48 and len(expected[1]) == 1
    claimed = _read(path, dataclasses.replace(scan, padded_cells=False, maybe_not_nfc=False))
    assert (claimed != expected) == matters


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 22])
def test_the_lines_that_may_change_under_nfc_are_listed(chunk):
    """0 = the header; a decomposed letter, a Greek one, an E1 ending the file."""
    lines = ["a,b", "1,Nguye\u0302\u0303n", f"2,{_NAME}", "3,\u1f71", f"4,{_NAME} Nguye\u0302n", ""]
    content = "\n".join(lines).encode() + b"\xe1"
    t = TextBytes()
    for i in range(0, len(content), chunk):
        t.feed(content[i : i + chunk])
    t.finish()
    assert t.maybe_not_nfc and t.nfc_lines.tolist() == [1, 3, 4, 5]


def test_too_many_lines_are_not_listed():
    t = TextBytes(max_lines=2)
    t.feed("a\nNguye\u0302n\nNguye\u0302n\nNguye\u0302n\n".encode())
    assert t.finish().nfc_lines is None and t.maybe_not_nfc


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_listed_nfc_rows_stage_as_the_full_check_does(tmp_path, ending):
    """Decomposed names on a good row and on a quarantined one, in LF, CRLF and CR files
    (CR lines are not listed: the pre-check then runs in typing, as before)."""
    path = tmp_path / "population.csv"
    _population(path, {"full_name": "Nguye\u0302\u0303n"})
    text = path.read_text(encoding="utf-8").splitlines()
    text[4] = text[4].replace("Nguyễn Văn 4", "Nguye\u0302\u0303n Va\u0306n 4", 1)  # the row with the bad date
    path.write_bytes(ending.join(text).encode() + ending.encode())
    scan = scan_file(path)
    assert scan.maybe_not_nfc and (scan.nfc_lines is None) == (ending == "\r")
    if scan.nfc_lines is not None:
        assert scan.nfc_lines.tolist() == [4, 8]
    staged, quarantined = _read(path, scan)
    assert (staged, quarantined) == _read(path, dataclasses.replace(scan, nfc_lines=None))
    fixed = {row[0] for row in staged if row[-1]}  # _source_row, …, _nfc_fixed
    assert fixed == {8} and [q[0] for q in quarantined] == [4]
