"""The SQL name key (``ddss.rules.text.name_key_sql``) equals the Python one and the plain
form it short-cuts (every replacement on every name), on names with and without white
space runs, tabs, newlines and old tone placement."""

from __future__ import annotations

import duckdb

from ddss.rules.text import OLD_TO_NEW_TONE, name_key, name_key_sql
from ddss.sql import str_literal

NAMES = [
    "Nguyễn Văn Hòa",
    "Nguyễn Văn Hoà",
    " nguyễn  văn   HOÀ ",
    "Nguyễn\tVăn Hoà",
    "Nguyễn \nVăn\r\nHoà",
    "Trần Thị Thuỷ Tiên",
    "Lê Khoẻ",
    "Hoàng Khoa",
    "Y Bhin Niê",
    "H'Hen Êban",
    "",
    " ",
]


def _plain(expr: str) -> str:
    s = f"lower(regexp_replace(trim({expr}), '\\s+', ' ', 'g'))"
    for old, new in OLD_TO_NEW_TONE.items():
        s = f"regexp_replace({s}, {str_literal(old + '( |$)')}, {str_literal(new + chr(92) + '1')}, 'g')"
    return s


def test_sql_key_equals_python_key_and_the_plain_form():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (n VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?)", [[n] for n in [*NAMES, None]])
        rows = con.execute(f"SELECT n, {name_key_sql('t.n')}, {_plain('t.n')} FROM t").fetchall()
    for name, key, plain in rows:
        assert key == plain, name
        assert key == (None if name is None else name_key(name)), name
    assert {k for _, k, _ in rows[:5]} == {"nguyễn văn hòa"}  # five spellings of one name
