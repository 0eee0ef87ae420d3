"""The gate reuses the score step's decision (ddss.gate_prepared) only while it is still right:
the same decision as a gate that computes everything itself, and a waiver or other thresholds
given after the score step are honoured (the gate recomputes). The first comparison runs on
every national backend; the rest is province-side, so DuckDB is enough there."""

from __future__ import annotations

import json
from dataclasses import replace

import duckdb

from ddss.gate import gate
from ddss.gate_prepared import card_from_json, card_json
from ddss.scorecard_io import score_run
from ddss.store.national_duckdb import DuckDBNationalStore
from ddss.store.national_tables import PROMOTED_DATASETS
from ddss.thresholds import Threshold, load_thresholds
from ddss.waivers import waive
from tests.gate.conftest import copy_run, province_rows

HOLDS = "SELECT dataset, source_row, record_key, reasons_vi, reasons_en, check_ids FROM holds WHERE run_id = ? ORDER BY ALL"


def _national(settings) -> DuckDBNationalStore:
    return DuckDBNationalStore(settings.data_dir / "national.duckdb")


def test_the_stored_scorecard_is_the_scorecard(defective):
    settings, _ = defective
    card, _ = score_run(settings, "79")
    assert card.land_groups and card.reasons  # the parts a JSON round trip could lose are there
    assert card_from_json(card_json(card)) == card


def test_gate_after_the_score_step_decides_as_a_gate_that_computes_everything(defective, national_store, tmp_path):
    settings, run = defective
    other = copy_run(run, tmp_path / "other")  # the same province, never scored
    score_run(settings, "79")
    # Every backend: PostgreSQL reads the prepared rows out of the province file as Arrow.
    store, other_store = national_store(settings.data_dir), national_store(other.data_dir)
    reused, computed = gate(settings, "79", store=store), gate(other, "79", store=other_store)
    assert reused.reused_score_step and not computed.reused_score_step
    assert [vars(d) for d in reused.decisions] == [vars(d) for d in computed.decisions]
    assert reused.held > 0 and reused.promoted > 0
    for dataset in PROMOTED_DATASETS:
        mine, theirs = store.current(dataset), other_store.current(dataset)
        assert sorted(mine.select("_key", "_source_row").rows()) == sorted(theirs.select("_key", "_source_row").rows())
    assert province_rows(settings, HOLDS, [reused.run_id]) == province_rows(other, HOLDS, [computed.run_id])
    assert reused.scorecard.reasons == computed.scorecard.reasons and reused.scorecard.verdict == computed.scorecard.verdict
    pending = "SELECT (SELECT count(*) FROM pending_holds) + (SELECT count(*) FROM pending_prepared)"
    assert province_rows(settings, pending) == [(0,)]
    # The next run's score step drops the decision of the gated run (its holds are in ``holds`` now).
    prepared = "SELECT count(*) FROM prepared_holds WHERE run_id = ?"
    assert province_rows(settings, prepared, [reused.run_id]) == [(reused.held,)]
    later = reused.run_id[:-1] + "z"  # the same files validated again, a later run id
    con = duckdb.connect(str(settings.province_db("79")))
    con.execute("INSERT INTO findings SELECT * REPLACE (? AS run_id) FROM findings WHERE run_id = ?", [later, reused.run_id])
    con.execute("INSERT INTO validation_runs SELECT * REPLACE (? AS run_id, now()::TIMESTAMP AS started_at) FROM validation_runs"
                " WHERE run_id = ?", [later, reused.run_id])  # fmt: skip
    con.close()
    score_run(settings, "79", later)
    assert province_rows(settings, prepared, [reused.run_id]) == [(0,)]
    assert province_rows(settings, prepared, [later]) == [(reused.held,)]


def test_a_waiver_granted_after_the_score_step_is_honoured(defective):
    settings, _ = defective
    score_run(settings, "79")
    # A parcel the score step held for one blocking finding only.
    (key, check, row), *_ = province_rows(
        settings,
        "SELECT record_key, check_ids[1], source_row FROM prepared_holds WHERE dataset = 'parcel'"
        " AND len(check_ids) = 1 AND record_key IS NOT NULL ORDER BY source_row",
    )
    prepared = province_rows(settings, "SELECT count(*) FROM prepared_holds WHERE dataset = 'parcel'")[0][0]
    with _national(settings) as store:
        waive(settings, "79", "parcel", key, check, "Đã đối chiếu hồ sơ giấy tại xã, số liệu đúng.", "Cán bộ A", store=store)
        result = gate(settings, "79", store=store)
        assert not result.reused_score_step
        assert row in set(store.current("parcel")["_source_row"].to_list())
    assert next(d for d in result.decisions if d.dataset == "parcel").held == prepared - 1


def test_thresholds_other_than_the_score_steps_are_honoured(defective):
    settings, _ = defective
    score_run(settings, "79")
    t = load_thresholds(settings.thresholds_file)
    t = replace(t, table={**t.table, ("birth", "du"): Threshold(1.0, "block_batch")})  # same version string, other table
    with _national(settings) as store:
        result = gate(settings, "79", store=store, thresholds=t)
        assert not result.reused_score_step
        birth = next(d for d in result.decisions if d.dataset == "birth")
        assert birth.batch_blocked and birth.promoted == 0 and store.current("birth").is_empty()


def test_killed_after_the_national_commit_the_prepared_holds_wait_and_are_completed(defective):
    from tests.gate.test_crash_gaps import _killed

    settings, _ = defective
    score_run(settings, "79")
    _killed(settings, "gate")  # SIGKILL after the national commit, before the holds are confirmed
    with _national(settings) as store:
        (entry,) = store.audit_rows()
    run_id, counts = entry["run_id"], json.loads(entry["body"])["counts"]
    held = sum(c["held"] for c in counts.values())
    # The run's pending holds are the score step's rows (a marker, no copy); none confirmed.
    assert province_rows(settings, "SELECT count(*) FROM pending_prepared WHERE run_id = ?", [run_id]) == [(1,)]
    assert province_rows(settings, "SELECT count(*) FROM holds WHERE run_id = ?", [run_id]) == [(0,)]
    score_run(settings, "79")  # scored again meanwhile: the rows the national commit relied on stay as they were
    assert province_rows(settings, "SELECT count(*) FROM prepared_holds WHERE run_id = ?", [run_id]) == [(held,)]
    result = gate(settings, "79")
    assert result.audit_seq == entry["seq"] and result.held == held
    by_dataset = dict(province_rows(settings, "SELECT dataset, count(*) FROM holds WHERE run_id = ? GROUP BY 1", [run_id]))
    assert by_dataset == {d: c["held"] for d, c in counts.items() if c["held"]}
    assert province_rows(settings, "SELECT count(*) FROM pending_prepared") == [(0,)]
