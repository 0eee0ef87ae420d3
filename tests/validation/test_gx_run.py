"""How ddss runs GX (issues #16, #18, #21): through the project's checkpoint, results in
GX's own store without personal values, partial loads, no GX import where none is needed,
and a progress display."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from ddss.checks import gx_project, gx_run, suites
from ddss.checks.run import validate
from ddss.ingest import ingest_inbox
from ddss.settings import Settings
from generators.province import DEFAULT_AS_OF, generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run(province_run):
    return province_run(0.05, 2000, headers="vi", dates="vn", decimal_comma=True, encoding="utf-8-sig")


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DDSS_DATA_DIR": str(settings.data_dir),
        "DDSS_REPORTS_DIR": str(settings.reports_dir),
        "DDSS_GX_DIR": str(settings.gx_dir),
    }


def test_results_are_in_gx_store_listed_by_gx_and_hold_no_values(run):
    """GX's own context lists this run's results, one per suite, and they hold counts only."""
    import great_expectations as gx

    ctx = gx.get_context(mode="file", context_root_dir=str(run.settings.gx_dir))
    keys = [k for k in ctx.validation_results_store.list_keys() if k.run_id.run_name == run.validated.run_id]
    assert sorted(k.expectation_suite_identifier.name for k in keys) == sorted(s.name for s in suites.specs())
    for key in keys:
        result = ctx.validation_results_store.get(key).to_json_dict()
        assert result["meta"]["checkpoint_id"] == suites.stable_id("checkpoint", gx_project.CHECKPOINT)
        for r in result["results"]:
            body = r.get("result") or {}
            assert not body.get("partial_unexpected_list") and "unexpected_list" not in body
            assert "details" not in body and "unexpected_rows" not in json.dumps(body)


def test_no_raw_personal_value_under_gx(run):
    """Every ID, full name and date of birth of the input is absent from what GX wrote."""
    con = duckdb.connect(str(run.settings.province_db("79")), read_only=True)
    try:
        rows = con.execute("SELECT person_id, full_name, CAST(date_of_birth AS VARCHAR) FROM stg_population").fetchall()
    finally:
        con.close()
    ids = {r[0] for r in rows if r[0] and len(r[0]) >= 9}
    names = {r[1] for r in rows if r[1] and len(r[1].split()) >= 2}
    births = {f"{d[8:10]}/{d[5:7]}/{d[:4]}" for _, _, d in rows if d} | {d for _, _, d in rows if d}
    assert len(ids) > 1000 and len(names) > 1000
    written = "\n".join(p.read_text(encoding="utf-8") for p in run.settings.gx_dir.rglob("*.json"))
    assert written and not [i for i in ids if i in written]
    assert not [n for n in names if n in written]
    assert not [d for d in births if d in written]


def test_stock_checkpoint_run_works_as_committed(run, tmp_path):
    """A GX user runs the committed checkpoint by hand, the province given by the config
    variable: every suite validates and the Data Docs action builds the site."""
    script = textwrap.dedent(
        """
        import sys, great_expectations as gx
        from ddss.checks import gx_duckdb
        gx_duckdb.apply()
        ctx = gx.get_context(mode="file", context_root_dir=sys.argv[1])
        result = ctx.checkpoints.get("ddss_province").run()
        bad = [e.expectation_config.meta["check_id"] for r in result.run_results.values() for e in r.results
               if e.exception_info.get("raised_exception")]
        print(len(result.run_results), bad)
        """
    )
    gx_dir = tmp_path / "gx"
    gx_project.write(gx_dir, str(ROOT / "expectations") + "/")
    env = {**_env(run.settings), gx_project.URL_VARIABLE: gx_project.province_url(run.settings, "79")}
    out = subprocess.run([sys.executable, "-c", script, str(gx_dir)], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == f"{len(suites.specs())} []"
    assert (gx_dir / "uncommitted" / "data_docs" / gx_project.SITE / "index.html").exists()


def test_only_the_agencys_datasets_are_loaded(tmp_path):
    """Sở Tư pháp sends only births, deaths and marriages: their own suites run, the checks
    against the population are 'not run' with the reason, nothing crashes or fails for it."""
    settings = Settings.load(ROOT, data_dir=tmp_path / "data", reports_dir=tmp_path / "reports", gx_dir=tmp_path / "gx")
    gen = generate(province="79", persons=300, seed=3, defect_rate=0.05, out=tmp_path / "batch", fmt="parquet")
    inbox = tmp_path / "tu_phap"
    inbox.mkdir()
    for name in ("birth", "death", "marriage"):
        shutil.copy(gen.inbox / f"{name}.parquet", inbox)
    ingest_inbox(settings, "79", inbox)
    result = validate(settings, "79", as_of=DEFAULT_AS_OF)

    cross = {c.check_id for s in suites.specs() if s.requires for c in s.checks if s.dataset in ("birth", "death", "marriage")}
    assert "birth.child_not_in_population" in cross
    for check_id in cross:
        assert "population" in result.not_run[check_id], check_id
        assert "chưa được nạp" in result.not_run[check_id]
    own = {c.check_id for s in suites.specs() if not s.requires and s.dataset in ("birth", "death", "marriage") for c in s.checks}
    assert set(result.gx_counts) == own
    assert all(v is not None for v in result.gx_counts.values())
    assert result.counts_agree
    assert not set(result.findings["check_id"]) & set(result.not_run)
    assert any(v.startswith("Chưa nạp tập dữ liệu population") for v in result.not_run.values())
    assert gx_run.not_run_reasons({"birth", "death", "marriage", "population"}).keys().isdisjoint(cross)


COMMANDS = textwrap.dedent(
    """
    import sys
    from ddss.cli.app import app
    out = sys.argv[1]
    for args in (["--help"], ["generate", "--province", "79", "--persons", "300", "--seed", "2", "--out", out],
                 ["ingest", "--province", "79", "--inbox", out + "/inbox"], ["suites", "--check"],
                 ["validate", "--help"], ["score", "--help"], ["gate", "--help"]):
        try:
            app(args, standalone_mode=False)
        except SystemExit:
            pass
        print(args[0], "great_expectations" in sys.modules, flush=True)
    """
)


def test_commands_that_do_not_validate_never_import_gx(tmp_path, settings):
    out = subprocess.run(
        [sys.executable, "-c", COMMANDS, str(tmp_path / "p")],
        capture_output=True,
        text=True,
        env=_env(settings),
        timeout=600,
        cwd=ROOT,
    )
    lines = [line for line in out.stdout.splitlines() if line.endswith((" True", " False"))]
    assert len(lines) == 7, out.stdout[-2000:] + out.stderr[-2000:]
    assert all(line.endswith(" False") for line in lines), lines
    assert settings.province_db("79").exists()  # ingest really ran


def test_validate_shows_progress(run):
    """`ddss validate` on a small province shows each step on stderr, in order."""
    from ddss.cli.progress import STEPS

    out = subprocess.run(
        [sys.executable, "-m", "ddss", "validate", "--province", "79", "--as-of", DEFAULT_AS_OF.isoformat()],
        capture_output=True,
        text=True,
        env=_env(run.settings),
        timeout=600,
        cwd=ROOT,
    )
    assert out.returncode in (0, 1), out.stderr[-2000:]  # 1: the run is không đạt (5 % defects)
    assert "findings.csv" in out.stdout
    lines = out.stderr.splitlines()
    order = [STEPS["prepare"], STEPS["gx"], *(f"{STEPS['suite']} {s.name} " for s in suites.specs()), STEPS["findings"]]
    at = [next(i for i, line in enumerate(lines) if step in line) for step in order]
    assert at == sorted(at), out.stderr
    assert lines[0].endswith(STEPS["prepare"])  # the first line is up before anything heavy
