"""Personal data masking (developers' guide: IDs, names, DOBs never unmasked) and SQL quoting."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ddss import mask
from ddss.sql import date_literal, ident, str_literal


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("079123456345", "079******345"), ("123456789", "123******"), ("12", "**"), (None, None)],
)
def test_mask_id(raw: str | None, masked: str | None) -> None:
    assert mask.mask_id(raw) == masked


def test_python_and_sql_masks_agree() -> None:
    con = duckdb.connect()
    rows = [("079123456345", "Nguyễn  Thị Mai", date(1990, 5, 17)), ("123456789", "Lê Văn", None)]
    con.execute("CREATE TABLE p(id VARCHAR, name VARCHAR, dob DATE)")
    con.executemany("INSERT INTO p VALUES (?, ?, ?)", rows)
    got = con.execute(
        f"SELECT {mask.sql_mask_id('id')}, {mask.sql_mask_name('name')}, "
        f"{mask.sql_mask_date('dob')}, {mask.sql_pseudonym('id')} FROM p ORDER BY id"
    ).fetchall()
    for (pid, name, dob), (m_id, m_name, m_dob, pseud) in zip(rows, got, strict=True):
        assert m_id == mask.mask_id(pid)
        assert m_name == mask.mask_name(name)
        assert m_dob == mask.mask_date(dob)
        assert pseud == mask.pseudonym(pid)
    assert got[0][1] == "Nguyễn T. M."


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
