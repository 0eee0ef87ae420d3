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
    assert parts.list.len().is_between(2, 4).all()
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


def test_names_have_two_to_four_syllables_and_a_real_tail(f):
    """Most names have three syllables; two (no middle name) and four (two middle names)
    occur (estimates, no official figure). Family names beyond the 30 most common exist,
    each rare (Nguyễn ~38 %: domain.md's sources)."""
    from generators.names import FAMILY

    p = f["population"]
    syll = p["full_name"].str.split(" ").list.len()
    assert syll.is_between(2, 4).all()
    assert 0.01 < (syll == 2).mean() < 0.1 and 0.05 < (syll == 4).mean() < 0.2
    top30 = sorted(FAMILY, key=FAMILY.get, reverse=True)[:30]
    fam = p["full_name"].str.split(" ").list.first()
    beyond = ~fam.is_in(top30)
    assert 0.005 < beyond.mean() < 0.2 and fam.filter(beyond).n_unique() >= 10


def test_thi_among_women_falls_with_younger_cohorts(f):
    """'Thị' is the usual middle name of older women and rarer among the young (observed
    trend, generators/names.py THI_BY_COHORT; no official statistic found)."""
    p = f["population"].filter(pl.col("sex") == "Nữ")
    thi = p["full_name"].str.contains(" Thị ")
    year = p["date_of_birth"].dt.year()
    old, young = thi.filter(year < 1960).mean(), thi.filter(year >= 2000).mean()
    assert old > 0.6 and young < 0.45 and old > young


def test_ethnicity_differs_by_region():
    """2019 census (GSO) by region: Kinh ~47 % in the northern mountains with Tày, Thái,
    Mông, Nùng the largest minorities; ~63 % in the Central Highlands with Gia Rai and Ê Đê;
    ~92 % in the Mekong delta with Khmer ~7 %. Minority names are not drawn from the Kinh
    list (Mông: Giàng, Sùng, Vàng…; Ê Đê: "Y …"/"H'…" and the lineage name last)."""
    north = clean_frames("04", 8000, 3)["population"]
    highlands = clean_frames("66", 8000, 3)["population"]
    mekong = clean_frames("96", 8000, 3)["population"]
    assert 0.35 < (north["ethnicity"] == "Kinh").mean() < 0.6
    assert north.filter(pl.col("ethnicity").is_in(["Tày", "Thái", "Mông", "Nùng"])).height / north.height > 0.3
    assert 0.5 < (highlands["ethnicity"] == "Kinh").mean() < 0.75
    assert highlands.filter(pl.col("ethnicity").is_in(["Gia Rai", "Ê Đê"])).height / highlands.height > 0.08
    assert (mekong["ethnicity"] == "Kinh").mean() > 0.85 and 0.03 < (mekong["ethnicity"] == "Khmer").mean() < 0.12
    mong = north.filter(pl.col("ethnicity") == "Mông")["full_name"].str.split(" ").list.first()
    assert mong.is_in(["Giàng", "Sùng", "Vàng", "Thào", "Hầu", "Mùa", "Lý", "Vừ", "Hạng", "Cứ"]).mean() > 0.9
    ede = highlands.filter(pl.col("ethnicity") == "Ê Đê")["full_name"]
    assert ede.str.contains(r"^(Y |H')").mean() > 0.9
    # every one of the 54 groups can occur somewhere
    assert pl.concat([north["ethnicity"], highlands["ethnicity"], mekong["ethnicity"]]).n_unique() >= 30


def test_deaths_at_every_age(f):
    """Deaths in childhood too (GSO: infant mortality ~12 per 1,000 live births, 2023), most
    deaths at old age; registration within 15 days, mostly early; notices numbered per
    commune and book."""
    p, d = f["population"], f["death"]
    dead = p.filter(pl.col("date_of_death").is_not_null())
    age = (dead["date_of_death"] - dead["date_of_birth"]).dt.total_days() / 365.2425
    assert (age < 1).sum() > 0 and (age >= 60).mean() > 0.5
    delay = (d["registration_date"] - d["date_of_death"]).dt.total_days()
    assert delay.max() <= 15 and delay.median() < 7
    assert d.select("registering_commune_code", "register_book", "death_notice_no").is_unique().all()
    assert d["death_notice_no"].str.contains(r"^\d+/\d{4}/GBT$").all()


def test_residential_land_by_commune_type(f):
    """ODT (đất ở tại đô thị) in wards, ONT (đất ở tại nông thôn) in rural communes
    (TT 08/2024/TT-BTNMT)."""
    from ddss.admin_units import communes_2025

    pa = f["parcel"]
    ward = pa["commune_code"].map_elements(lambda c: communes_2025()[c].name.startswith("Phường"), return_dtype=pl.Boolean)
    assert (pa.filter(ward)["land_use_code"] != "ONT").all()
    assert (pa.filter(~ward)["land_use_code"] != "ODT").all()
    assert (pa.filter(ward)["land_use_code"] == "ODT").mean() > 0.25 and (
        pa.filter(~ward)["land_use_code"] == "ONT"
    ).mean() > 0.15


def test_lawful_look_alikes_are_there(f):
    """The generator's clean province carries the records a careless rule would flag
    (issue #19 "Proof"); tests/validation/test_proof.py proves they raise nothing."""
    b, d, m, c = f["birth"], f["death"], f["marriage"], f["certificate"]
    from ddss.admin_units import communes_2025

    def elsewhere(s: pl.Series) -> int:
        return sum(communes_2025()[x].province_code != "79" for x in s)

    assert elsewhere(b["place_of_birth"]) > 0 and elsewhere(d["place_of_death"]) > 0
    assert (b["mother_name"].str.contains("oà|uỷ|oá|uý|oạ|oẻ") | b["father_name"].str.contains("oà|uỷ|oá|uý|oạ")).any()
    assert m["divorce_date"].is_not_null().any() and m["wife_passport_no"].is_not_null().any()
    assert (m["registration_date"].dt.year() < 2015).any()
    assert c["certificate_serial"].is_duplicated().any()
    assert (c["holder_type"] == "Tổ chức").any() and c["owner_person_id"].is_null().any()
    # owners living elsewhere than their parcel's commune
    res = dict(zip(f["population"]["person_id"], f["population"]["residence_commune_code"], strict=True))
    away = [res[o] != cc for o, cc in c.select("owner_person_id", "commune_code").iter_rows() if o is not None]
    assert 0.5 < sum(away) / len(away)
