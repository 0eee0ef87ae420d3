"""Personal data masking (developers' guide: IDs, names, DOBs never unmasked), keyed
pseudonyms equal to Python's hmac, Excel-safe exports, and SQL quoting."""

from __future__ import annotations

import hashlib
import hmac
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ddss import keys, mask
from ddss.sql import date_literal, ident, str_literal

SPACES = ["\u00a0", "\u202f", "\u3000", "\u2009", "\u200b", "\ufeff", "\t"]


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("079123456345", "079*********"),  # at most the province code
        ("123456789", "123******"),
        ("12", "**"),
        ("Nguyễn Văn An", "*************"),  # a name typed into an ID column
        ("\u00a0079123456345\u3000", "079*********"),
        (None, None),
    ],
)
def test_mask_id(raw: str | None, masked: str | None) -> None:
    assert mask.mask_id(raw) == masked


@pytest.mark.parametrize("space", SPACES)
def test_names_split_on_every_unicode_space(space: str) -> None:
    assert mask.mask_name(f"Nguyễn{space}Thị{space}Mai") == "Nguyễn T. M."


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("Nguyễn Thị Mai", "Nguyễn T. M."), ("079123456345", "************"), ("Lê 079123456345", "Lê *.")],
)
def test_mask_name_by_role(raw: str, masked: str) -> None:
    assert mask.mask_name(raw) == masked  # an ID typed into a name column loses its digits


def test_mask_text_hides_id_like_runs() -> None:
    assert mask.mask_text("ghi chú 079123456345 x") == "ghi chú 079********* x"
    assert mask.mask_text("thửa 12345") == "thửa 12345"  # short numbers are not IDs


@pytest.fixture
def key(tmp_path: Path):
    from ddss.settings import Settings

    s = replace(Settings.load(), key_dir=tmp_path / "keys")
    return s, keys.current_key(s)


def test_python_and_sql_masks_agree(key) -> None:
    _, k = key
    con = duckdb.connect()
    rows = [
        ("079123456345", "Nguyễn  Thị Mai", date(1990, 5, 17), "x 079123456345"),
        ("123456789", "Lê\u00a0Văn", None, None),
        ("\u3000079123456345", "Trần\u202fThị\u3000Bích\u200bNgọc", date(1950, 1, 2), "thửa 1"),
        ("Phạm Văn", "079123456345", date(2001, 1, 2), "=1+1"),
    ]
    con.execute("CREATE TABLE p(id VARCHAR, name VARCHAR, dob DATE, other VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?, ?, ?)", rows)
    got = con.execute(
        f"SELECT {mask.sql_mask_id('id')}, {mask.sql_mask_name('name')}, {mask.sql_mask_date('dob')}, "
        f"{mask.sql_pseudonym('id', k)}, {mask.sql_mask('other', None)} FROM p"
    ).fetchall()
    for (pid, name, dob, other), (m_id, m_name, m_dob, pseud, m_other) in zip(rows, got, strict=True):
        assert m_id == mask.mask_id(pid)
        assert m_name == mask.mask_name(name)
        assert m_dob == mask.mask_date(dob)
        assert m_other == mask.mask_text(other)
        assert pseud == mask.pseudonym(pid, k)
        assert pseud == f"P{k.kid}-" + hmac.new(k.secret, pid.encode(), hashlib.sha256).hexdigest()[:16]
    assert [g[1] for g in got[:3]] == ["Nguyễn T. M.", "Lê V.", "Trần T. B. N."]


def test_pseudonym_is_keyed_and_rotation_keeps_old_keys(key) -> None:
    s, k = key
    path = s.key_dir / keys.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.current_key(s) == k  # made once, then read
    plain = hashlib.sha256(b"079123456345").hexdigest()
    assert plain[:12] not in mask.pseudonym("079123456345", k) and plain[:16] not in mask.pseudonym("079123456345", k)
    new = keys.rotate(s)
    assert new.kid != k.kid and keys.current_key(s) == new
    assert keys.key_by_id(s, k.kid) == k  # history stays readable
    assert mask.pseudonym("079123456345", new) != mask.pseudonym("079123456345", k)
    assert k.secret.hex() not in repr(k)


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_excel_safe_neutralises_formulas(cell: str) -> None:
    assert mask.excel_safe(cell) == "'" + cell
    df = pl.DataFrame({"value": [cell, "Nguyễn T. M."], "n": [1, 2]})
    assert mask.excel_safe_frame(df)["value"].to_list() == ["'" + cell, "Nguyễn T. M."]


def test_excel_safe_keeps_lawful_text() -> None:
    assert mask.excel_safe("Nguyễn T. M.") == "Nguyễn T. M."
    assert mask.excel_safe(5) == 5


def test_ident_quotes_and_blocks_injection() -> None:
    con = duckdb.connect()
    evil = 'x"; DROP TABLE t; --'
    con.execute(f"CREATE TABLE {ident(evil)} (a INT)")
    assert con.execute("SELECT table_name FROM information_schema.tables").fetchone() == (evil,)
    assert con.execute(f"SELECT {str_literal(chr(39) + 'a')}, {date_literal(date(2025, 7, 1))}").fetchone() == (
        "'a",
        date(2025, 7, 1),
    )
    with pytest.raises(ValueError):
        ident("")
