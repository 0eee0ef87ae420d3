"""The score formula, thresholds and history on hand-made tables (docs/scorecard.md)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest

from ddss.score import checks_not_run, compute_scorecard, effective_findings, run_files
from ddss.scorecard_io import history_frame, write_files
from ddss.store.gate import replace_scores
from ddss.thresholds import Threshold, load_thresholds
from tests.gate.handmade import RUN, T0, add_file, add_finding, add_run, open_province


@pytest.fixture
def thresholds():
    return load_thresholds()


def _with(thresholds, changes):
    table = dict(thresholds.table)
    for (dataset, dim), value in changes.items():
        table[(dataset, dim)] = value
    return replace(thresholds, table=table)


def test_two_checks_of_one_dimension_count_once_and_warnings_do_not_lower(tmp_path, thresholds):
    with open_province(tmp_path) as con:
        add_file(con, "birth", 10)
        add_run(con)
        add_finding(con, "birth", 1, "birth.missing_child_name")  # đủ, blocking
        add_finding(con, "birth", 1, "birth.missing_mother_name")  # đủ again, same record
        add_finding(con, "birth", 2, "birth.late_registration")  # sống, warning only
        add_finding(con, "birth", 3, "birth.entry_gap")  # sạch, blocking
        card = compute_scorecard(con, RUN, thresholds)
    birth = card.dataset("birth")
    dims = {d.dimension: d for d in birth.dimensions}
    assert (dims["du"].checked, dims["du"].blocking, dims["du"].score) == (10, 1, 0.9)
    assert (dims["song"].blocking, dims["song"].warning_only, dims["song"].score) == (0, 1, 1.0)
    assert dims["sach"].score == 0.9 and dims["dung"].score == 1.0
    assert (birth.overall.blocking, birth.overall.score) == (2, 0.8)
    assert card.agencies[0].agency == "tu_phap" and card.agencies[0].checked == 10


def test_quarantined_rows_count_as_checked_records_with_blocking_findings(tmp_path, thresholds):
    with open_province(tmp_path) as con:
        add_file(con, "parcel", 8, quarantined=2)
        add_run(con)
        add_finding(con, "parcel", 9, "parcel.missing_area_m2")
        card = compute_scorecard(con, RUN, thresholds)
    du = next(d for d in card.dataset("parcel").dimensions if d.dimension == "du")
    assert (du.checked, du.blocking) == (10, 1)


def test_threshold_decisions_under_both_policies(tmp_path, thresholds):
    with open_province(tmp_path) as con:
        add_file(con, "population", 10)  # the reference the civil-registry checks compare with
        add_file(con, "birth", 10)
        add_file(con, "death", 10)
        add_run(con)
        add_finding(con, "birth", 1, "birth.missing_child_name")  # birth đủ 90 %
        add_finding(con, "death", 1, "death.missing_full_name")  # death đủ 90 %
        t = _with(
            thresholds,
            {("birth", "du"): Threshold(0.95, "block_records"), ("death", "du"): Threshold(0.95, "block_batch")},
        )
        card = compute_scorecard(con, RUN, t)
        lenient = compute_scorecard(con, RUN, _with(t, {("birth", "du"): Threshold(0.9, "block_records"),
                                                          ("death", "du"): Threshold(0.9, "block_batch")}))  # fmt: skip
    birth, death = card.dataset("birth"), card.dataset("death")
    assert birth.verdict == death.verdict == "khong_dat" and card.verdict == "khong_dat"
    assert not birth.blocks_batch and death.blocks_batch
    assert any("Khai sinh" in vi and "chặn bản ghi" in vi for vi, _ in card.reasons)
    assert any("Khai tử" in vi and "không bản ghi nào" in vi for vi, _ in card.reasons)
    assert all(en for _, en in card.reasons)
    # At the threshold exactly, both pass and nothing blocks the batch.
    assert lenient.verdict == "dat" and not lenient.dataset("death").blocks_batch and lenient.reasons == []


def test_waived_finding_counts_as_warning(tmp_path, thresholds):
    with open_province(tmp_path) as con:
        add_file(con, "birth", 4)
        add_run(con)
        add_finding(con, "birth", 1, "birth.entry_gap", key="25969|2026/KS|7")
        con.execute(
            "INSERT INTO waivers (waiver_id, province, dataset, record_key, check_id) VALUES ('w', '79', 'birth', ?, ?)",
            ["25969|2026/KS|7", "birth.entry_gap"],
        )
        card = compute_scorecard(con, RUN, thresholds)
    sach = next(d for d in card.dataset("birth").dimensions if d.dimension == "sach")
    assert (sach.blocking, sach.warning_only, sach.waived, sach.score) == (0, 1, 1, 1.0)


def test_scorecard_from_findings_the_gate_read_equals_the_scorecard_alone(tmp_path, thresholds):
    # The gate reads the run's effective findings once and hands them to compute_scorecard:
    # the same scores, waiver included, as when the scorecard reads them itself.
    with open_province(tmp_path) as con:
        add_file(con, "birth", 5)
        add_run(con)
        add_finding(con, "birth", 1, "birth.entry_gap", key="25969|2026/KS|7")
        add_finding(con, "birth", 2, "birth.missing_child_name")
        con.execute(
            "INSERT INTO waivers (waiver_id, province, dataset, record_key, check_id) VALUES ('w', '79', 'birth', ?, ?)",
            ["25969|2026/KS|7", "birth.entry_gap"],
        )
        files = run_files(con, RUN)
        eff = effective_findings(con, RUN, files, checks_not_run(set(files)))
        shared, alone = compute_scorecard(con, RUN, thresholds, eff=eff), compute_scorecard(con, RUN, thresholds)
    rows = [history_frame(c).drop("computed_at") for c in (shared, alone)]
    assert rows[0].equals(rows[1]) and shared.verdict == alone.verdict and shared.reasons == alone.reasons
    sach = next(d for d in shared.dataset("birth").dimensions if d.dimension == "sach")
    du = next(d for d in shared.dataset("birth").dimensions if d.dimension == "du")
    assert (sach.waived, sach.blocking, du.blocking, shared.dataset("birth").overall.blocking) == (1, 0, 1, 1)


def test_check_that_could_not_run_is_listed_and_its_findings_ignored(tmp_path, thresholds):
    with open_province(tmp_path) as con:
        add_file(con, "certificate", 5)  # no population loaded
        add_run(con)
        add_finding(con, "certificate", 1, "certificate.owner_not_in_population")  # spurious without population
        card = compute_scorecard(con, RUN, thresholds)
    cert = card.dataset("certificate")
    ids = {n.check_id for n in cert.not_run}
    assert {"certificate.owner_not_in_population", "certificate.owner_mismatch", "certificate.owner_dead"} <= ids
    assert "certificate.parcel_missing" in ids  # parcels not loaded either
    assert all(d.blocking == 0 for d in cert.dimensions)
    assert cert.verdict == "khong_dat"
    assert any("Chưa kiểm tra được" in vi and "dân cư" in vi for vi, _ in cert.reasons)


def test_history_change_drop_flag_and_catalogue_version(tmp_path, thresholds):
    second = "20261102T000000000000-79-cccccc"
    with open_province(tmp_path) as con:
        add_file(con, "parcel", 100)
        add_run(con)
        first = compute_scorecard(con, RUN, thresholds, drop_margin=0.02)
        replace_scores(con, RUN, history_frame(first))
        add_run(con, second, T0 + dt.timedelta(days=1))
        for row in range(1, 6):  # 5 % of parcels now lack an area: đủ falls 1.00 -> 0.95
            add_finding(con, "parcel", row, "parcel.missing_area_m2", run_id=second)
        add_finding(con, "parcel", 7, "parcel.missing_address", run_id=second)  # one more đủ: 0.94
        card = compute_scorecard(con, second, thresholds, drop_margin=0.02)
        du = next(d for d in card.dataset("parcel").dimensions if d.dimension == "du")
        assert (du.previous_run, du.previous_score, round(du.change, 4), du.comparable, du.dropped) == (
            RUN,
            1.0,
            -0.06,
            True,
            True,
        )
        dung = next(d for d in card.dataset("parcel").dimensions if d.dimension == "dung")
        assert dung.change == 0 and not dung.dropped
        # A rule added between the runs: same fall, but not comparable, so no drop is flagged.
        con.execute("UPDATE scores SET catalogue_version = 'older-rules' WHERE run_id = ?", [RUN])
        again = compute_scorecard(con, second, thresholds, drop_margin=0.02)
    du = next(d for d in again.dataset("parcel").dimensions if d.dimension == "du")
    assert du.comparable is False and du.dropped is False and du.previous_score == 1.0


def test_files_json_shape_and_csv_for_excel(tmp_path, thresholds):
    with open_province(tmp_path) as con:
        add_file(con, "birth", 10)
        add_run(con)
        add_finding(con, "birth", 1, "birth.missing_child_name")
        card = compute_scorecard(con, RUN, thresholds)
    json_path, csv_path = write_files(card, tmp_path / "reports" / RUN)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["run"]["catalogue_version"] and data["run"]["thresholds_version"] == thresholds.version
    ds = data["agencies"][0]["datasets"][0]
    assert [d["dimension"] for d in ds["dimensions"]] == ["dung", "du", "sach", "song"]
    assert {"checked", "blocking", "warning_only", "score", "threshold", "policy", "verdict", "previous"} <= set(
        ds["dimensions"][1]
    )
    assert data["verdict"] in ("dat", "khong_dat") and isinstance(data["reasons"], list)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").splitlines()[0]
    assert "Tập dữ liệu" in header and "Số bản ghi kiểm tra" in header and "Điểm (%)" in header
    assert "Khai sinh" in raw.decode("utf-8-sig")
