"""The GX-on-DuckDB fix is necessary (without it GX fails on DuckDB) and sufficient."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb

SCRIPT = textwrap.dedent(
    """
    import sys, great_expectations as gx
    from great_expectations import expectations as gxe
    if sys.argv[2] == "fixed":
        from ddss.checks import gx_duckdb
        gx_duckdb.apply()
    ctx = gx.get_context(mode="ephemeral")
    src = ctx.data_sources.add_sql("d", connection_string="duckdb:///" + sys.argv[1])
    batch = src.add_table_asset("t", table_name="t").add_batch_definition_whole_table("all").get_batch()
    for e in (gxe.ExpectColumnValuesToNotBeNull(column="code"),
              gxe.ExpectColumnValuesToMatchRegex(column="code", regex="^[0-9]{3}$")):
        r = batch.validate(e).to_json_dict()
        # exception_info is keyed by metric when a metric fails; keep the first line of each
        exc = " / ".join(str(v.get("exception_message", "")).splitlines()[0] if isinstance(v, dict) else str(v)
                         for v in r.get("exception_info", {}).values() if v)
        print(type(e).__name__, r["result"].get("unexpected_count"), exc[:200])
    """
)


def _run(tmp_path, mode: str) -> list[str]:
    db = tmp_path / f"{mode}.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('001'), ('12'), (NULL), ('0x1')) v(code)")
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(db), mode], capture_output=True, text=True, timeout=300, check=True)
    return out.stdout.strip().splitlines()


def test_without_the_fix_gx_fails_on_duckdb(tmp_path):
    lines = _run(tmp_path, "plain")
    assert len(lines) == 2
    assert all(line.split(" ", 2)[1] == "None" for line in lines), lines  # no count: the expectation raised
    assert any("list index out of range" in line or "IndexError" in line for line in lines), lines


def test_with_the_fix_counts_are_right(tmp_path):
    lines = _run(tmp_path, "fixed")
    counts = {line.split(" ")[0]: line.split(" ")[1] for line in lines}
    assert counts == {"ExpectColumnValuesToNotBeNull": "1", "ExpectColumnValuesToMatchRegex": "2"}
