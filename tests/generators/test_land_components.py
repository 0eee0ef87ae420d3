"""A generated province carries F10's three components, so its parcels go through the
three-components rule of land group 1 (ddss/land_groups.py; official-criteria F10).

Reuses the proof's session run (5 %, Vietnamese headers): no province of its own.
"""

from __future__ import annotations

import polars as pl

from ddss import land_groups
from ddss.score import checks_not_run, compute_scorecard, effective_findings, run_files
from ddss.store.province import connect_readonly
from ddss.thresholds import load_thresholds

VI_FORM = {"headers": "vi", "dates": "vn", "decimal_comma": True, "encoding": "utf-8-sig"}


def test_generated_parcels_go_through_the_three_components_rule(province_run):
    run = province_run(0.05, 2000, **VI_FORM)
    manifest = run.manifest.filter(pl.col("dataset") == "parcel")
    missing = {
        kind: set(manifest.filter(pl.col("defect_kind") == kind)["source_row"].cast(pl.Int64))
        for kind in ("parcel.geometry_ref_missing", "parcel.scan_ref_missing")
    }
    assert all(missing.values()), missing  # both kinds injected

    con = connect_readonly(run.settings.province_db("79"))
    try:
        run_id = run.validated.run_id
        card = compute_scorecard(con, run_id, load_thresholds())
        section = card.land_groups
        # The scorecard applies the rule and no longer says it cannot.
        assert section["three_components_applied"] is True
        assert not any("ba thành phần" in n["vi"] for n in section["notes"]), section["notes"]

        files = run_files(con, run_id)
        parcel, cert = files["parcel"], files["certificate"]
        eff = effective_findings(con, run_id, files, checks_not_run(set(files)))
        blocking = eff.filter(pl.col("blocking")).select("dataset", "source_row").unique()
        args = (con, (parcel.batch_id, parcel.source_file), (cert.batch_id, cert.source_file), blocking, True)
        with_rule = land_groups.parcel_groups(*args, components=True)
        without = land_groups.parcel_groups(*args, components=False)
    finally:
        con.close()

    groups = dict(zip(with_rule["source_row"].to_list(), with_rule["land_group"].to_list(), strict=True))
    before = dict(zip(without["source_row"].to_list(), without["land_group"].to_list(), strict=True))
    assert land_groups.count_groups(with_rule) == {g["group"]: g["parcels"] for g in section["groups"]}
    for kind, rows in missing.items():
        # A parcel missing a component is never group 1 ...
        assert {groups[r] for r in rows} <= {2}, kind
        # ... and some of them are otherwise clean: group 1 but for the missing component.
        assert any(before[r] == 1 for r in rows), kind
    # The rule holds back only those: every other parcel keeps its group, and group 1 is not empty.
    changed = {r for r in groups if groups[r] != before[r]}
    assert changed <= missing["parcel.geometry_ref_missing"] | missing["parcel.scan_ref_missing"]
    assert 1 in groups.values()
