"""One lawful row and one failing row per rule this issue added or changed (issue #19).

Each case: the check, the rows of every dataset it reads, the source rows it must flag.
Row 1 of the checked dataset is always the lawful record (often the look-alike that a
rule used to flag: a 2024 six-digit serial, a birth in another province, a tone-placement
variant), later rows the failing ones.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ddss.rules.catalog import by_id
from tests.rules.harness import HCM_NEW, HCM_OLD_CLOSED, OTHER_PROVINCE, failing, marriage_row

D = dt.date
HUSBAND = {"person_id": "079090123456", "full_name": "Nguyễn Văn Hòa", "sex": "Nam", "date_of_birth": D(1990, 5, 1)}
WIFE = {"person_id": "079192654321", "full_name": "Trần Thị Thủy", "sex": "Nữ", "date_of_birth": D(1992, 3, 3)}
CHILD = {"person_id": "079225111111", "full_name": "Nguyễn Minh Khoa", "sex": "Nam", "date_of_birth": D(2025, 9, 1)}
SECOND_WIFE = {"person_id": "079195222222", "full_name": "Lê Thị Mai", "sex": "Nữ", "date_of_birth": D(1995, 1, 1)}
POP = [HUSBAND, WIFE, CHILD, SECOND_WIFE]
OTHER_MAN = {"person_id": "079088444444", "full_name": "Phạm Văn Nam", "sex": "Nam", "date_of_birth": D(1988, 1, 1)}
OTHER_WOMAN = {"person_id": "079190555555", "full_name": "Võ Thị Lan", "sex": "Nữ", "date_of_birth": D(1990, 1, 1)}


def _birth(**kw) -> dict:
    row = {
        "registration_date": D(2025, 9, 20),
        "registering_commune_code": HCM_NEW,
        "child_person_id": CHILD["person_id"],
        "child_name": CHILD["full_name"],
        "child_sex": "Nam",
        "child_date_of_birth": CHILD["date_of_birth"],
        "place_of_birth": HCM_NEW,
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "mother_person_id": WIFE["person_id"],
        "mother_name": WIFE["full_name"],
        "mother_birth_year": 1992,
        "father_person_id": HUSBAND["person_id"],
        "father_name": HUSBAND["full_name"],
        "father_birth_year": 1990,
    }
    return row | kw


def _marriage(h=HUSBAND, w=WIFE, **kw) -> dict:
    return marriage_row(h, w, HCM_OLD_CLOSED, **kw)  # lawful: dated before the reform


def _cert(serial: str, issued: D, owner=HUSBAND, parcel: str = "1", **kw) -> dict:
    row = {
        "certificate_serial": serial,
        "commune_code": HCM_NEW,
        "map_sheet_no": "5",
        "parcel_no": parcel,
        "issue_date": issued,
        "owner_person_id": owner["person_id"],
        "owner_name": owner["full_name"],
        "owner_date_of_birth": owner["date_of_birth"],
    }
    return row | kw


CASES = [
    # --- certificate serial by era: 6 digits lawful through 2024, 8 digits from 1 Aug 2024
    ("certificate.serial_format", {"certificate": [_cert("CS 123456", D(2024, 9, 15)), _cert("CS 123457", D(2025, 3, 1))]}, [2]),
    (
        "certificate.serial_format",
        {"certificate": [_cert("AA 06654954", D(2024, 9, 15)), _cert("AA 06654955", D(2024, 7, 1))]},
        [2],
    ),
    # --- one serial = one certificate: several parcels and co-owners are lawful
    (
        "certificate.duplicate_serial",
        {
            "certificate": [
                _cert("CS 100001", D(2015, 1, 5), HUSBAND, "1"),
                _cert("CS 100001", D(2015, 1, 5), WIFE, "1"),  # co-owner (spouse)
                _cert("CS 100001", D(2015, 1, 5), HUSBAND, "2"),  # second parcel, same holders
                _cert("CS 100001", D(2015, 1, 5), WIFE, "2"),
                _cert("CS 100001", D(2016, 2, 2), SECOND_WIFE, "9"),  # another certificate: duplicate
                _cert("CS 100001", D(2015, 1, 5), SECOND_WIFE, "8"),  # same day, other holder: duplicate
            ]
        },
        [5, 6],
    ),
    (
        "certificate.repeated_row",
        {
            "certificate": [
                _cert("CS 100001", D(2015, 1, 5), HUSBAND, "1"),
                _cert("CS 100001", D(2015, 1, 5), WIFE, "1"),
                _cert("CS 100001", D(2015, 1, 5), HUSBAND, "1"),
            ]
        },
        [3],
    ),
    # --- a place code of another province is correct; a closed code after the reform is not
    (
        "birth.place_of_birth_pre_reform",
        {"birth": [_birth(place_of_birth=OTHER_PROVINCE), _birth(place_of_birth=HCM_OLD_CLOSED)]},
        [2],
    ),
    ("birth.place_of_birth_unknown", {"birth": [_birth(place_of_birth=OTHER_PROVINCE), _birth(place_of_birth="99999")]}, [2]),
    (
        "population.birth_registration_place_unknown",
        {"population": [HUSBAND | {"birth_registration_place": HCM_OLD_CLOSED}, WIFE | {"birth_registration_place": "9999"}]},
        [2],
    ),
    (
        "marriage.registering_commune_code_unknown",
        {"marriage": [_marriage(), _marriage(registration_date=D(2020, 6, 1), registering_commune_code="00000")]},
        [2],
    ),
    # --- CMND: always flagged (never a key), stale only on a record dated 2025 or later
    ("population.legacy_cmnd", {"population": [HUSBAND, {"person_id": "123456789"}]}, [2]),
    (
        "population.legacy_cmnd_stale",
        {
            "population": [
                {"person_id": "123456789", "updated_at": dt.datetime(2024, 12, 31, 9)},
                {"person_id": "123456788", "updated_at": dt.datetime(2025, 1, 2, 9)},
            ]
        },
        [2],
    ),
    # --- marriage age under the law in force at registration (2000 law before 2015)
    (
        "marriage.under_age",
        {
            "marriage": [
                # woman born 10 Jan 1997, registered 31 Dec 2014: 17 full years, in her 18th year: lawful under the 2000 law
                _marriage(wife_date_of_birth=D(1997, 1, 10), registration_date=D(2014, 12, 31)),
                # the same woman on 8 Jan 2015: not yet 18 full years under the 2014 law (TTLT 01/2016 example)
                _marriage(wife_date_of_birth=D(1997, 1, 10), registration_date=D(2015, 1, 8)),
                # before 2015 but not even in her 18th year
                _marriage(wife_date_of_birth=D(1997, 1, 10), registration_date=D(2013, 12, 1)),
            ]
        },
        [2, 3],
    ),
    # --- names: tone placement, case and spaces are not a mismatch
    (
        "birth.mother_mismatch",
        {"population": POP, "birth": [_birth(mother_name="TRẦN  THỊ THUỶ"), _birth(mother_name="Trần Thị Thùy")]},
        [2],
    ),
    (
        "birth.father_mismatch",
        {"population": POP, "birth": [_birth(father_name="Nguyễn Văn Hoà"), _birth(father_name="Nguyễn Văn Hoàng")]},
        [2],
    ),
    # --- ethnicity: code, name or common alternative spelling
    (
        "population.ethnicity_invalid",
        {
            "population": [
                HUSBAND | {"ethnicity": "H'Mông"},
                WIFE | {"ethnicity": "Kinh (Việt)"},
                CHILD | {"ethnicity": "05"},
                SECOND_WIFE | {"ethnicity": "kinh"},
            ]
        },
        [2],
    ),
    ("birth.ethnicity_invalid", {"birth": [_birth(ethnicity="Khơ-me"), _birth(ethnicity="Mông Cổ")]}, [2]),
    ("population.nationality_invalid", {"population": [HUSBAND | {"nationality": "VN"}, WIFE | {"nationality": "Việt"}]}, [2]),
    # --- birth without the child's personal ID: a warning, not a rejection (F3)
    ("birth.missing_child_person_id", {"birth": [_birth(), _birth(child_person_id=None)]}, [2]),
    # --- D1 on every ID column, "cấp lại" where the ID itself is wrong
    ("birth.child_person_id_reissue", {"birth": [_birth(), _birth(child_person_id="079325111111")]}, [2]),  # digit 4 says female
    ("birth.mother_person_id_reissue", {"birth": [_birth(), _birth(mother_person_id="079193654321")]}, [2]),  # year 1993
    ("birth.mother_person_id_invalid", {"birth": [_birth(), _birth(mother_person_id="07919265432")]}, [2]),
    (
        "certificate.owner_person_id_reissue",
        {"certificate": [_cert("CS 1", D(2015, 1, 1)), _cert("CS 2", D(2015, 1, 1), owner_person_id="001090123456")]},
        [],
    ),  # born in Hà Nội: lawful
    (
        "certificate.owner_person_id_reissue",
        {"certificate": [_cert("CS 1", D(2015, 1, 1)), _cert("CS 2", D(2015, 1, 1), owner_person_id="100090123456")]},
        [2],
    ),  # 100 no birth code
    (
        "certificate.owner_person_id_invalid",
        {"certificate": [_cert("CS 1", D(2015, 1, 1)), _cert("CS 2", D(2015, 1, 1), owner_person_id="123456789")]},
        [2],
    ),
    # --- a foreign spouse identified by passport needs no personal ID
    (
        "marriage.missing_wife_person_id",
        {
            "marriage": [
                _marriage(wife_person_id=None, wife_nationality="KR", wife_passport_no="M12345678"),
                _marriage(wife_person_id=None),
                _marriage(wife_person_id=None, wife_nationality="Việt Nam", wife_passport_no="C1234567"),
            ]
        },
        [2, 3],
    ),
    # --- D5: different sex
    ("marriage.same_sex", {"population": POP, "marriage": [_marriage(), _marriage(w=SECOND_WIFE | {"sex": "Nam"})]}, []),
    (
        "marriage.same_sex",
        {
            "population": [HUSBAND, WIFE, SECOND_WIFE | {"person_id": "079090222222", "sex": "Nam"}],
            "marriage": [_marriage(), _marriage(w=SECOND_WIFE | {"person_id": "079090222222"})],
        },
        [2],
    ),
    # --- remarriage after divorce is not "already married"
    (
        "marriage.already_married",
        {
            "population": POP,
            "marriage": [
                _marriage(divorce_date=D(2022, 3, 1)),
                _marriage(w=SECOND_WIFE, registration_date=D(2023, 5, 5)),  # after the divorce: lawful
                _marriage(h=OTHER_MAN, w=OTHER_WOMAN, registration_date=D(2019, 1, 1)),
                _marriage(
                    h=OTHER_MAN, w=OTHER_WOMAN | {"person_id": "079196333333"}, registration_date=D(2021, 1, 1)
                ),  # still married
            ],
        },
        [4],
    ),
    # --- date of death against the population
    (
        "death.date_mismatch",
        {
            "population": [HUSBAND | {"date_of_death": D(2026, 1, 2)}, WIFE | {"date_of_death": D(2026, 2, 2)}],
            "death": [
                {"person_id": HUSBAND["person_id"], "date_of_death": D(2026, 1, 2), "registration_date": D(2026, 1, 5)},
                {"person_id": WIFE["person_id"], "date_of_death": D(2026, 2, 1), "registration_date": D(2026, 2, 5)},
            ],
        },
        [2],
    ),
    (
        "death.place_of_death_pre_reform",
        {
            "death": [
                {"date_of_death": D(2026, 1, 2), "place_of_death": OTHER_PROVINCE},
                {"date_of_death": D(2026, 1, 2), "place_of_death": HCM_OLD_CLOSED},
            ]
        },
        [2],
    ),
    # --- L7: sole holder deceased after the issue date; a co-owner still alive is not "sole"
    (
        "certificate.owner_deceased_sole_holder",
        {
            "population": [HUSBAND | {"date_of_death": D(2026, 1, 1)}, WIFE, SECOND_WIFE | {"date_of_death": D(2026, 1, 1)}],
            "certificate": [
                _cert("CS 1", D(2015, 1, 1), HUSBAND),
                _cert("CS 1", D(2015, 1, 1), WIFE),
                _cert("CS 2", D(2015, 1, 1), SECOND_WIFE),
            ],
        },
        [3],
    ),
    # --- D12, D13, D7, F2, F8/F10
    (
        "certificate.owner_document_mismatch",
        {
            "certificate": [
                _cert("CS 1", D(2015, 1, 1), owner_document_type="CCCD"),
                _cert("CS 2", D(2015, 1, 1), owner_document_type="CMND"),
            ]
        },
        [2],
    ),
    (
        "parcel.purpose_areas_exceed",
        {
            "parcel": [
                {"area_m2": 100.0, "area_residential_m2": 60.0, "area_other_m2": 40.0},
                {"area_m2": 100.0, "area_residential_m2": 80.0, "area_other_m2": 40.0},
            ]
        },
        [2],
    ),
    (
        "birth.registration_type_on_time",
        {"birth": [_birth(registration_type="1"), _birth(registration_type="1", registration_date=D(2025, 12, 1))]},
        [2],
    ),
    (
        "birth.father_undetermined_mismatch",
        {
            "population": POP,
            "birth": [
                _birth(child_name="Trần Minh Khoa", father_person_id=None, father_name=None, father_birth_year=None),
                _birth(father_person_id=None, father_name=None, father_birth_year=None),
            ],
        },
        [2],
    ),
    (
        # An Ê Đê mother writes her lineage name last ("H'Yim Niê"); her child of an undetermined
        # father carries it last too ("Y Bhin Niê"): lawful. Another lineage name last is not.
        "birth.father_undetermined_mismatch",
        {
            "population": [{**WIFE, "full_name": "H'Yim Niê", "ethnicity": "Ê Đê"}],
            "birth": [
                _birth(
                    child_name="Y Bhin Niê", ethnicity="Ê Đê", father_person_id=None, father_name=None, father_birth_year=None
                ),
                _birth(
                    child_name="Y Bhin Êban", ethnicity="Ê Đê", father_person_id=None, father_name=None, father_birth_year=None
                ),
            ],
        },
        [2],
    ),
    ("parcel.scan_ref_missing", {"parcel": [{"scan_ref": "a.pdf"}, {"scan_ref": None}]}, [2]),
    (
        "parcel.scan_ref_missing",
        {"parcel": [{"scan_ref": None}, {"scan_ref": None}]},
        [],
    ),  # a batch without the column is not judged
    # --- stray spaces on every name column
    (
        "certificate.owner_name_spacing",
        {"certificate": [_cert("CS 1", D(2015, 1, 1)), _cert("CS 2", D(2015, 1, 1), owner_name="Nguyễn Văn  Hòa")]},
        [2],
    ),
]


@pytest.mark.parametrize(("check_id", "tables", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule(tmp_path, check_id, tables, expected):
    assert failing(tmp_path, check_id, tables) == expected


def test_severities_follow_the_references():
    assert by_id("birth.missing_child_person_id").severity == "warning"  # F3
    assert by_id("certificate.serial_format").severity == "warning"  # D11
    assert by_id("population.legacy_cmnd").dimension == "sach"  # S8: never a key
    assert by_id("population.legacy_cmnd_stale").dimension == "song"  # L3
    assert "cấp lại" in by_id("birth.child_person_id_reissue").title_vi
    with pytest.raises(KeyError):
        by_id("certificate.owner_minor")  # no basis in the references: removed


def test_id_digits_match_the_birth_registration_place(tmp_path):
    """D2: pre-reform place -> its old province; a 2025 place -> any old province merged
    into its new province, or the new code itself (births registered since the reform)."""
    from tests.rules.harness import HCM_OLD_CLOSED

    rows = [
        HUSBAND | {"birth_registration_place": HCM_OLD_CLOSED},  # 079 + an old HCM commune
        HUSBAND | {"person_id": "074090123456", "birth_registration_place": HCM_NEW},  # 074 Bình Dương, merged into 79
        HUSBAND | {"person_id": "001090123456", "birth_registration_place": OTHER_PROVINCE},  # Hà Nội
        HUSBAND | {"person_id": "001090123457", "birth_registration_place": HCM_NEW},  # Hà Nội ID, HCM place: fails
        HUSBAND | {"person_id": "099090123458", "birth_registration_place": HCM_NEW},  # no such code: id_birth_code's business
    ]
    assert failing(tmp_path, "population.id_birth_place", {"population": rows}) == [4]
