"""A synthetic province looks like a Vietnamese one (issue #3 "Population", "Land")."""

from __future__ import annotations

import polars as pl
import pytest

from ddss.rules.people import ETHNIC_GROUPS
from generators.province import DEFAULT_AS_OF, clean_frames


@pytest.fixture(scope="module")
def f() -> dict[str, pl.DataFrame]:
    return clean_frames("79", 100_000, 21)


def _age(p: pl.DataFrame) -> pl.Series:
    return (pl.Series([DEFAULT_AS_OF] * p.height) - p["date_of_birth"]).dt.total_days() / 365.2425


def test_age_pyramid(f):
    """About a quarter under 15, under a tenth 65+ (GSO 2019 census: 24.3 %, 7.7 %)."""
    age = _age(f["population"])
    assert 0.18 < (age < 15).mean() < 0.30
    assert 0.04 < (age >= 65).mean() < 0.12
    assert age.max() < 110


def test_sex_ratio_at_birth(f):
    """About 111 boys per 100 girls among recent births (GSO: 111.5 in 2019)."""
    p = f["population"].filter(_age(f["population"]) < 10)
    boys, girls = (p["sex"] == "Nam").sum(), (p["sex"] == "Nữ").sum()
    assert 1.05 < boys / girls < 1.17


def test_ethnicity_mix(f):
    e = f["population"]["ethnicity"]
    assert set(e) <= set(ETHNIC_GROUPS)
    assert 0.75 < (e == "Kinh").mean() < 0.95
    for group in ("Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng"):
        assert (e == group).sum() > 0, group
    assert e.n_unique() >= 10


def test_names_are_formed_by_sex(f):
    """family + middle + given; "Thị" is a women's middle name, "Văn" a men's."""
    p = f["population"]
    parts = p["full_name"].str.split(" ")
    assert (parts.list.len() >= 3).all()
    middle = parts.list.get(1)
    assert (middle.filter(p["sex"] == "Nam") == "Thị").sum() == 0
    assert (middle.filter(p["sex"] == "Nữ") == "Văn").sum() == 0
    assert 0.3 < (parts.list.get(0) == "Nguyễn").mean() < 0.45
    assert p["full_name"].n_unique() > p.height * 0.1  # names repeat a lot, but not absurdly


def test_deaths_and_events(f):
    p = f["population"]
    deceased = p["date_of_death"].is_not_null().mean()
    assert 0.002 < deceased < 0.02  # deaths since the reform (~16 months, crude rate ~6 ‰/year)
    assert f["death"].height == p["date_of_death"].is_not_null().sum()
    assert f["birth"].height > 0 and f["marriage"].height > 0


def test_land_mix(f):
    pa = f["parcel"]
    assert 0.25 < pa.height / f["population"].height < 0.35
    area = pa["area_m2"]
    assert 30 < area.median() < 3000 and area.max() / area.median() > 20  # log-normal: long tail
    codes = pa["land_use_code"].value_counts(normalize=True)
    assert codes["land_use_code"].n_unique() >= 8
    assert codes.filter(pl.col("land_use_code") == "ODT")["proportion"].item() > 0.2  # HCMC is mostly urban land
    assert 0.7 < f["certificate"].height / pa.height < 0.9


def test_ids_name_the_province_of_birth_registration(f):
    """Digits 1-3 of the ID are the province where the birth was registered (ND 137/2015
    art. 13; official-criteria D2), and that place is coded as it was when the person was
    born: a pre-2025 commune before 1 July 2025 (domain.md §Administrative units)."""
    from ddss.admin_units import REFORM_DATE, communes_2025, communes_pre2025

    p = f["population"]
    old = p.filter(pl.col("date_of_birth") < REFORM_DATE)
    pre = {c.code: "0" + c.province_code for c in communes_pre2025().values()}
    assert all(pre.get(place) == pid[:3] for pid, place in old.select("person_id", "birth_registration_place").iter_rows())
    new = p.filter(pl.col("date_of_birth") >= REFORM_DATE)
    assert new.height > 0
    assert set(new["birth_registration_place"]) <= {c.code for c in communes_2025().values() if c.province_code == "79"}
    assert (new["person_id"].str.slice(0, 3) == "079").all()
    # Migrants were registered elsewhere (GSO 2019 census: ~15 % of HCMC's people born in another province).
    assert 0.05 < (~old["person_id"].str.slice(0, 3).is_in(["079", "074", "077"])).mean() < 0.3
