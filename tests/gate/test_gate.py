"""The gate on a real province (files -> DuckDB -> GX -> findings -> gate): invariants, held
reasons, both policies, resubmission, waiver and revert. Backends: ``national_store``."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace

import polars as pl
import pytest

from ddss import audit
from ddss.checks.run import validate
from ddss.gate import gate, revert
from ddss.ingest import ingest_inbox
from ddss.store.national_tables import PROMOTED_DATASETS
from ddss.thresholds import Threshold, load_thresholds
from ddss.waivers import waive
from tests.gate.conftest import DEFAULT_AS_OF, province_rows


def _assert_invariants(store, result):
    for d in result.decisions:
        assert d.promoted + d.held == d.staged, d
        assert store.promoted_by(d.dataset, result.run_id) == d.inserted + d.updated, d
        assert store.duplicate_keys(d.dataset) == 0
    assert audit.verify(store.audit_rows()).ok


def test_gate_promotes_clean_records_holds_the_rest_with_reasons(defective, national_store):
    settings, _ = defective
    store = national_store(settings.data_dir)
    result = gate(settings, "79", store=store)
    _assert_invariants(store, result)
    assert not result.passed and result.scorecard.reasons
    assert {d.dataset for d in result.decisions} == set(PROMOTED_DATASETS)  # population is never promoted
    assert result.promoted > 0 and result.held > 0

    # Every record with a blocking finding is held, each with that check among its reasons;
    # no held record is in the national database.
    blocking = province_rows(
        settings,
        "SELECT DISTINCT dataset, source_row, check_id FROM findings WHERE run_id = ? AND severity = 'blocking'"
        " AND source_row IS NOT NULL AND dataset IN ('birth','death','marriage','parcel','certificate')"
        " AND check_id NOT LIKE 'ingest.%'",
        [result.run_id],
    )
    holds = {
        (d, r): set(c)
        for d, r, c in province_rows(
            settings, "SELECT dataset, source_row, check_ids FROM holds WHERE run_id = ?", [result.run_id]
        )
    }
    assert blocking and all(check in holds[(d, r)] for d, r, check in blocking)
    for dataset in PROMOTED_DATASETS:
        current = store.current(dataset)
        held_rows = {r for d, r in holds if d == dataset}
        assert not held_rows & set(current["_source_row"].to_list())
        # Lineage back to the province's batch file.
        files = province_rows(
            settings, "SELECT batch_id, source_file, file_sha256 FROM batches WHERE dataset = ? AND status = 'loaded'", [dataset]
        )
        assert set(current.select("_batch_id", "_source_file", "_file_sha256").unique().rows()) <= set(files)
        assert current["_province"].unique().to_list() == ["79"] and current["_version"].unique().to_list() == [1]
    assert (settings.reports_dir / result.run_id / "held.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_clean_province_promotes_every_record(clean, national_store):
    """Lawful look-alikes are never held: certificates of organisations (no personal ID:
    the holder's name completes the key), co-owned and multi-parcel certificates."""
    settings, _ = clean
    store = national_store(settings.data_dir)
    result = gate(settings, "79", store=store)
    _assert_invariants(store, result)
    assert result.held == 0 and result.promoted == sum(d.staged for d in result.decisions) > 0
    certificates = store.current("certificate")
    organisations = certificates.filter(pl.col("owner_person_id").is_null())
    assert organisations.height > 0 and organisations["owner_name"].null_count() == 0


def test_block_batch_policy_promotes_nothing_of_that_dataset(defective, national_store):
    settings, _ = defective
    store = national_store(settings.data_dir)
    t = load_thresholds()
    t = replace(
        t, table={**t.table, ("birth", "du"): Threshold(1.0, "block_batch"), ("death", "du"): Threshold(1.0, "block_records")}
    )
    result = gate(settings, "79", store=store, thresholds=t)
    by = {d.dataset: d for d in result.decisions}
    assert by["birth"].batch_blocked and by["birth"].promoted == 0 and by["birth"].held == by["birth"].staged
    assert store.current("birth").is_empty()
    assert not by["death"].batch_blocked and by["death"].promoted > 0  # block records: the clean ones go on
    reasons = {r for (r,) in province_rows(settings, "SELECT DISTINCT reasons_vi FROM holds WHERE dataset = 'birth'")}
    assert any("Cả lô" in r for r in reasons)
    _assert_invariants(store, result)


def _resubmit_births(settings, clean_run, tmp_path, drop_key: str) -> set[str]:
    """The agency's corrected birth file (the records without the injected defects),
    leaving out one record, ingested and validated as the next batch; the keys it holds."""
    src = clean_run.generated.inbox / "birth.csv"
    inbox = tmp_path / "resubmission"
    inbox.mkdir()
    with (
        src.open(encoding="utf-8-sig", newline="") as f_in,
        (inbox / "birth.csv").open("w", encoding="utf-8", newline="") as f_out,
    ):
        reader = csv.DictReader(f_in)
        writer = csv.DictWriter(f_out, fieldnames=reader.fieldnames)
        writer.writeheader()
        keys = set()
        for row in reader:
            key = "|".join([row["registering_commune_code"], row["register_book"], row["entry_no"]])
            if key != drop_key:
                writer.writerow(row)
                keys.add(key)
    ingest_inbox(settings, "79", inbox)
    validate(settings, "79", as_of=DEFAULT_AS_OF)
    return keys


def test_resubmission_promotes_fixed_updates_promoted_and_keeps_missing_held(defective, province_run, national_store, tmp_path):
    settings, _ = defective
    store = national_store(settings.data_dir)
    first = gate(settings, "79", store=store)
    held_births = {
        k
        for (k,) in province_rows(settings, "SELECT record_key FROM holds WHERE run_id = ? AND dataset = 'birth'", [first.run_id])
    }
    promoted_before = store.current("birth")
    missing = sorted(held_births)[0]
    resubmitted = _resubmit_births(settings, province_run(0.0), tmp_path, drop_key=missing)

    second = gate(settings, "79", store=store)
    _assert_invariants(store, second)
    after, history = store.current("birth"), store.history("birth")
    # Fixed: births held the first time are promoted now and their holds closed.
    closed = province_rows(
        settings, "SELECT record_key FROM holds WHERE run_id = ? AND dataset = 'birth' AND closed_as = 'promoted'", [first.run_id]
    )
    assert closed and {k for (k,) in closed} <= held_births
    assert {k for (k,) in closed} <= set(after["_key"].to_list())
    # Updated: a birth promoted before has one current row, version 2, the old one in history.
    # (the clean file is generated on its own: a record the generator draws differently with
    # defects injected is not in it, and keeps its first version)
    again = set(promoted_before["_key"]) & resubmitted
    assert again and after.filter(pl.col("_key").is_in(list(again)))["_version"].unique().to_list() == [2]
    old = history.filter(pl.col("_key").is_in(list(again)))
    assert old.height == len(again) and old["_superseded_by"].unique().to_list() == [second.run_id]
    assert after.height == after["_key"].n_unique()
    # Missing: the held birth left out of the resubmission is still listed as held.
    open_rows = province_rows(
        settings, "SELECT run_id FROM holds WHERE dataset = 'birth' AND record_key = ? AND closed_run IS NULL", [missing]
    )
    assert open_rows == [(first.run_id,)]
    # Unchanged files gated again make no new versions.
    parcel = next(d for d in second.decisions if d.dataset == "parcel")
    assert parcel.unchanged == parcel.promoted and parcel.inserted == parcel.updated == 0

    # Revert the second gate: the first versions are current again, history as before.
    revert(settings, "79", second.run_id, store=store)
    restored = store.current("birth")
    assert sorted(restored["_key"].to_list()) == sorted(promoted_before["_key"].to_list())
    assert restored["_version"].unique().to_list() == [1] and store.history("birth").is_empty()
    assert province_rows(settings, "SELECT count(*) FROM holds WHERE run_id = ?", [second.run_id]) == [(0,)]
    kinds = [r["kind"] for r in store.audit_rows()]
    assert kinds == ["gate", "gate", "revert"] and audit.verify(store.audit_rows()).ok


def test_waiver_releases_its_record_in_a_later_gate(defective, national_store):
    settings, _ = defective
    store = national_store(settings.data_dir)
    first = gate(settings, "79", store=store)
    # A parcel held for one blocking finding only.
    rows = province_rows(
        settings,
        "SELECT h.record_key, h.check_ids[1], h.source_row FROM holds h WHERE h.run_id = ? AND h.dataset = 'parcel'"
        " AND len(h.check_ids) = 1 AND h.record_key IS NOT NULL ORDER BY h.source_row LIMIT 1",
        [first.run_id],
    )
    key, check, row = rows[0]
    with pytest.raises(ValueError):
        waive(settings, "79", "parcel", key, check, "ok", "Cán bộ A", store=store)  # a justification is required
    w = waive(settings, "79", "parcel", key, check, "Đã đối chiếu hồ sơ giấy tại xã, số liệu đúng.", "Cán bộ A", store=store)
    assert store.audit_rows()[-1]["kind"] == "waiver" and w.audit_seq == 2
    revert(settings, "79", first.run_id, store=store)
    second = gate(settings, "79", store=store)
    assert key in set(store.current("parcel")["_key"].to_list()) or row in set(store.current("parcel")["_source_row"].to_list())
    parcel = next(d for d in second.decisions if d.dataset == "parcel")
    before = next(d for d in first.decisions if d.dataset == "parcel")
    assert parcel.held == before.held - 1
    assert audit.verify(store.audit_rows()).ok


def test_findings_carry_agency_and_batch(defective):
    settings, _ = defective
    rows = province_rows(
        settings,
        "SELECT f.dataset, f.agency, f.batch_id, b.agency, b.batch_id FROM findings f "
        "LEFT JOIN batches b ON b.dataset = f.dataset AND b.source_file = f.source_file AND b.status = 'loaded' "
        "WHERE f.check_id <> 'ingest.file_rejected'",
    )
    from ddss.schema import DATASETS

    assert rows
    for dataset, agency, batch, file_agency, file_batch in rows:
        assert agency == DATASETS[dataset].agency == file_agency
        assert batch is not None and batch == file_batch


def test_gating_twice_is_refused_until_reverted(defective, national_store):
    from ddss.gate import AlreadyGated

    settings, _ = defective
    store = national_store(settings.data_dir)
    result = gate(settings, "79", store=store)
    with pytest.raises(AlreadyGated):
        gate(settings, "79", store=store)
    revert(settings, "79", result.run_id, store=store)
    assert all(store.current(d).is_empty() for d in PROMOTED_DATASETS)
    again = gate(settings, "79", store=store)
    assert again.promoted == result.promoted


def test_copy_is_private(defective):
    settings, run = defective
    assert settings.data_dir != run.settings.data_dir and shutil.which  # the session province stays untouched
