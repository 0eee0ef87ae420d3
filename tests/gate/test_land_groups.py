"""The three official land groups (ddss/land_groups.py) on hand-made parcels."""

from __future__ import annotations

import polars as pl
import pytest

from ddss.land_groups import RULES, carries_components, parcel_groups
from tests.gate.handmade import BATCH, add_rows, open_province

PARCELS = [
    # row: expected group, why
    {
        "commune_code": "26734",
        "map_sheet_no": "1",
        "parcel_no": "1",
        "area_m2": 120.5,
        "land_use_code": "ONT",
    },  # 1 clean, clean certificate
    {"commune_code": "26734", "map_sheet_no": "1", "parcel_no": "2", "area_m2": 80.0, "land_use_code": "ONT"},  # 2 no certificate
    {
        "commune_code": "26734",
        "map_sheet_no": "1",
        "parcel_no": "3",
        "area_m2": 95.0,
        "land_use_code": "CLN",
    },  # 2 certificate with a blocking finding
    {
        "commune_code": "26734",
        "map_sheet_no": "2",
        "parcel_no": "4",
        "area_m2": 300.0,
        "land_use_code": "BHK",
    },  # 2 blocking finding on the parcel
    {
        "commune_code": "26734",
        "map_sheet_no": "2",
        "parcel_no": None,
        "area_m2": 50.0,
        "land_use_code": "ONT",
    },  # 3 cannot be located
    {
        "commune_code": "26734",
        "map_sheet_no": "3",
        "parcel_no": "6",
        "area_m2": 0.0,
        "land_use_code": "XYZ",
    },  # 3 no usable attributes
    {
        "commune_code": "26734",
        "map_sheet_no": "3",
        "parcel_no": "7",
        "area_m2": 0.0,
        "land_use_code": "ONT",
    },  # 2 area wrong, code usable
]
EXPECTED = [1, 2, 2, 2, 3, 3, 2]
CERTS = [
    {"certificate_serial": "AA 00000001", "commune_code": "26734", "map_sheet_no": "1", "parcel_no": "1"},
    {"certificate_serial": "AA 00000003", "commune_code": "26734", "map_sheet_no": "1", "parcel_no": "3"},
    {"certificate_serial": "AA 00000004", "commune_code": "26734", "map_sheet_no": "2", "parcel_no": "4"},
    {"certificate_serial": "AA 00000007", "commune_code": "26734", "map_sheet_no": "3", "parcel_no": "7"},
]
BLOCKING = pl.DataFrame(
    {"dataset": ["certificate", "parcel", "parcel", "parcel"], "source_row": [2, 4, 5, 7]},  # cert of P3; P4, P5, P7
    schema={"dataset": pl.Utf8, "source_row": pl.Int64},
)


@pytest.fixture
def con(tmp_path):
    with open_province(tmp_path) as c:
        add_rows(c, "parcel", PARCELS)
        add_rows(c, "certificate", CERTS)
        yield c


def test_each_group_rule_on_hand_made_parcels(con):
    groups = parcel_groups(con, (BATCH, "parcel.csv"), (BATCH, "certificate.csv"), BLOCKING, owners_checked=True)
    assert groups["source_row"].to_list() == list(range(1, 8))
    assert groups["land_group"].to_list() == EXPECTED


def test_no_parcel_is_group_1_while_owners_are_not_authenticated(con):
    groups = parcel_groups(con, (BATCH, "parcel.csv"), (BATCH, "certificate.csv"), BLOCKING, owners_checked=False)
    assert groups["land_group"].to_list() == [2, 2, 2, 2, 3, 3, 2]


def test_without_certificates_no_parcel_is_group_1(con):
    groups = parcel_groups(con, (BATCH, "parcel.csv"), None, BLOCKING, owners_checked=False)
    assert 1 not in groups["land_group"].to_list() and groups.height == 7


def test_three_components_rule_applies_when_the_parcel_file_carries_them(tmp_path):
    with open_province(tmp_path) as c:
        rows = [
            {**PARCELS[0], "geometry_ref": "G-1", "scan_ref": "S-1"},  # all three components: group 1
            {**PARCELS[0], "parcel_no": "8", "geometry_ref": "G-8", "scan_ref": None},  # no scanned dossier: group 2
        ]
        add_rows(c, "parcel", rows)
        add_rows(c, "certificate", [{**CERTS[0]}, {**CERTS[0], "certificate_serial": "AA 00000008", "parcel_no": "8"}])
        no_blocking = BLOCKING.clear()
        assert carries_components(c, (BATCH, "parcel.csv"))
        groups = parcel_groups(c, (BATCH, "parcel.csv"), (BATCH, "certificate.csv"), no_blocking, True, components=True)
        assert groups["land_group"].to_list() == [1, 2]
        # A file without the component columns: the rule cannot apply.
        c.execute("UPDATE stg_parcel SET geometry_ref = NULL, scan_ref = NULL")
        assert not carries_components(c, (BATCH, "parcel.csv"))


def test_every_group_has_its_rule_written_down_in_both_languages():
    assert set(RULES) == {1, 2, 3} and all(vi and en for vi, en in RULES.values())
    assert "ba thành phần" in RULES[1][0] and "three components" in RULES[1][1]
