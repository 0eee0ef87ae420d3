"""DuckDB draws a progress bar on standard output for any query over 2 s when it thinks it
runs interactively (``python -c``, a REPL, a notebook: ``__main__`` has no file). It ran
into the JSON lines bench/scale.py reads from ``python -c`` stages, and would run into a
steward's notebook. Every connection ddss opens, its own and those GX opens through
duckdb-engine, has it off (``ddss.store.without_progress_bar``, ``gx_duckdb`` fix 7).

Checked in a ``python -c`` process: under pytest (``__main__`` is a file) DuckDB leaves
the bar off by itself, and the checks could not fail."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import duckdb, sqlalchemy as sa
    from ddss.store import connect_readonly, writer
    from ddss.store.province import connect_writable
    bar = "SELECT current_setting('enable_progress_bar')"
    tmp = Path(sys.argv[1])
    seen = {}
    with duckdb.connect() as con:
        seen["plain"] = con.execute(bar).fetchone()[0]
    from ddss.settings import Settings
    settings = Settings.load(Path(sys.argv[2]), data_dir=tmp)
    db = settings.province_db("79")
    with writer(db, 5.0, {"threads": "1"}) as con:
        seen["writer"] = con.execute(bar).fetchone()[0]
    with connect_readonly(db, {"threads": "1"}) as con:
        seen["reader"] = con.execute(bar).fetchone()[0]
    with connect_writable(tmp / "national.duckdb") as con:
        seen["national"] = con.execute(bar).fetchone()[0]
    from ddss.checks import gx_duckdb
    gx_duckdb.apply()
    engine = sa.create_engine(f"duckdb:///{db}?access_mode=read_only")
    with engine.connect() as c:
        seen["gx_engine"] = c.execute(sa.text(bar)).scalar()
    engine.dispose()
    from ddss.checks import gx_run
    with gx_run.reader_beside_gx(settings, "79") as con:
        seen["beside_gx"] = con.execute(bar).fetchone()[0]
    print(json.dumps(seen))
    """
)


def test_no_connection_ddss_opens_draws_duckdbs_progress_bar(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["plain"] is True  # DuckDB's default in such a process: what this guards against
    assert {k: v for k, v in seen.items() if k != "plain"} == {
        "writer": False,
        "reader": False,
        "national": False,
        "gx_engine": False,
        "beside_gx": False,
    }
