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


# --- Families and households (issue #19 "A province that looks like one") ---------------


@pytest.fixture(scope="module")
def links() -> pl.DataFrame:
    """One block's population with its family links (row indices, dropped from the files)."""
    import numpy as np

    from generators.population import generate_population

    return generate_population(np.random.default_rng(5), "79", 60_000, DEFAULT_AS_OF).with_row_index("_i")


def _years(later: pl.Series, earlier: pl.Series) -> pl.Series:
    return (later - earlier).dt.total_days() / 365.2425


def test_parents_are_couples_with_a_marriage_record_before_the_birth(f):
    """Most births are to a married couple whose marriage is in the register, registered
    before the birth; some have no father declared (births outside marriage: an estimate,
    generators/families.py OUTSIDE_MARRIAGE, no official figure found)."""
    b, m = f["birth"], f["marriage"]
    with_father = b.filter(pl.col("father_person_id").is_not_null())
    assert 0.85 < with_father.height / b.height < 0.98
    wed = m.select(
        pl.col("husband_person_id").alias("father_person_id"),
        pl.col("wife_person_id").alias("mother_person_id"),
        pl.col("registration_date").alias("wed"),
    )
    joined = with_father.join(wed, on=["father_person_id", "mother_person_id"], how="left")
    assert joined.height == with_father.height  # nobody married to the same person twice
    assert (joined["wed"].is_not_null()).mean() > 0.8
    assert (joined.drop_nulls("wed")["wed"] < joined.drop_nulls("wed")["child_date_of_birth"]).all()


def test_fathers_mostly_live_in_the_mothers_commune(f):
    """A couple shares a household (one commune); a few live apart (one spouse working
    elsewhere: estimate, families.APART)."""
    res = f["population"].select("person_id", "residence_commune_code")
    b = f["birth"].drop_nulls("father_person_id")
    both = b.join(res.rename({"person_id": "mother_person_id", "residence_commune_code": "m"}), on="mother_person_id").join(
        res.rename({"person_id": "father_person_id", "residence_commune_code": "d"}), on="father_person_id"
    )
    same = (both["m"] == both["d"]).mean()
    assert 0.85 < same < 1.0


def test_husbands_are_usually_older_by_a_few_years(f):
    """Husband minus wife: mean ~3.5 years, most husbands older, some wives older (the
    2019 census's mean ages at first marriage differ by ~4.4 years: families.GAP_MEAN)."""
    m = f["marriage"].filter(pl.col("wife_person_id").is_not_null() & (pl.col("registration_date").dt.year() >= 2015))
    gap = _years(m["wife_date_of_birth"], m["husband_date_of_birth"])
    assert m.height > 500
    assert 2.0 < gap.mean() < 5.0
    assert 0.7 < (gap > 0).mean() < 0.95 and (gap < 0).sum() > 0
    # the law's ages on the registration date (Law 52/2014 art. 8: 20 and 18 full years)
    assert (_years(m["registration_date"], m["husband_date_of_birth"]) >= 20).all()
    assert (_years(m["registration_date"], m["wife_date_of_birth"]) >= 18).all()


def test_mothers_ages_have_teenage_and_forty_plus_tails(f, links):
    """Age-specific fertility of the 2019 census (rounded, families.ASFR): ~8 % of births to
    mothers under 20, ~3 % to mothers 40+; the peak at 20-29."""
    kids = links.filter(pl.col("_mother").is_not_null())
    mom = links["date_of_birth"].gather(kids["_mother"])
    age = _years(kids["date_of_birth"], mom)
    assert age.min() >= 15 and age.max() < 50
    assert 0.02 < (age < 20).mean() < 0.15 and 0.005 < (age >= 40).mean() < 0.1
    assert 0.45 < ((age >= 20) & (age < 30)).mean() < 0.8
    # the birth register shows both tails too (mother's birth year on the record)
    b = f["birth"]
    at_birth = b["child_date_of_birth"].dt.year() - b["mother_birth_year"]
    assert (at_birth <= 19).sum() > 0 and (at_birth >= 41).sum() > 0


def test_births_to_one_mother_are_at_least_nine_months_apart(f, links):
    """Every child of a mother, in the register and in the whole population block."""
    kids = links.filter(pl.col("_mother").is_not_null()).sort("_mother", "date_of_birth")
    gaps = kids.select(pl.col("date_of_birth").diff().over("_mother").dt.total_days()).to_series().drop_nulls()
    assert gaps.len() > 1000 and gaps.min() >= 274
    b = f["birth"].sort("mother_person_id", "child_date_of_birth")
    gaps = b.select(pl.col("child_date_of_birth").diff().over("mother_person_id").dt.total_days()).to_series().drop_nulls()
    assert gaps.len() == 0 or gaps.min() >= 274


def test_households_have_one_head_and_one_commune(f):
    """Số hộ and quan hệ với chủ hộ as the population DB keeps them: one head per household,
    its members registered in one commune (the number starts with its code); ~3 persons per
    household (2019 census: 3.6; widowhood and larger families are not modelled). The dead
    are off the household register."""
    from generators.families import RELATIONS

    p = f["population"]
    living = p.filter(pl.col("date_of_death").is_null())
    assert living["household_id"].null_count() == 0 and living["relation_to_head"].null_count() == 0
    dead = p.filter(pl.col("date_of_death").is_not_null())
    assert dead["household_id"].null_count() == dead.height
    assert set(living["relation_to_head"].unique()) <= set(RELATIONS)
    per = living.group_by("household_id").agg(
        (pl.col("relation_to_head") == "Chủ hộ").sum().alias("heads"),
        pl.col("residence_commune_code").n_unique().alias("communes"),
        pl.col("residence_commune_code").first().alias("commune"),
        pl.len().alias("size"),
    )
    assert (per["heads"] == 1).all() and (per["communes"] == 1).all()
    assert (per["household_id"].str.slice(0, 5) == per["commune"]).all()
    assert 2.7 < per["size"].mean() < 4.2 and per["size"].max() >= 5
    shares = living["relation_to_head"].value_counts(normalize=True)
    for rel in ("Vợ", "Con", "Cháu"):
        assert shares.filter(pl.col("relation_to_head") == rel)["proportion"].item() > 0.01, rel


def test_a_population_file_without_household_columns_stays_valid(tmp_path):
    """household_id and relation_to_head are optional (docs/batch-format.md): the same file
    with and without them stages every row."""
    import duckdb

    from ddss.read import STAGED, read_file
    from generators.province import generate

    gen = generate("79", 300, seed=4, defect_rate=0.0, out=tmp_path / "g")
    raw = pl.read_csv(gen.inbox / "population.csv", infer_schema=False)
    staged = {}
    for name, df in (("with", raw), ("without", raw.drop("household_id", "relation_to_head"))):
        path = tmp_path / name / "population.csv"
        path.parent.mkdir()
        df.write_csv(path)
        con = duckdb.connect()
        r = read_file(con, path, 10**9)
        assert (r.dataset, r.rows_staged, r.rows_quarantined) == ("population", 300, 0), name
        staged[name] = con.execute(f"SELECT count(household_id) FROM {STAGED}").fetchone()[0]
    assert staged["with"] > 250 and staged["without"] == 0


# --- Central Highlands naming order and the official ethnic codes -----------------------


@pytest.fixture(scope="module")
def highlands() -> dict[str, pl.DataFrame]:
    return clean_frames("66", 20_000, 3)


def test_central_highlands_names_follow_each_groups_order(highlands):
    """Ê Đê/Mnông: "Y"/"H'" + given name, the lineage name last ("Y Bhin Niê"); Gia Rai: the
    lineage name first, "H'" before a woman's given name ("Rcom H'Yim"). Ê Đê and Gia Rai
    are matrilineal: a child of the group carries the mother's lineage name
    (generators/ethnic.py, naming customs; no statistics)."""
    from generators.ethnic import _POOLS

    p = highlands["population"]
    ede = p.filter(pl.col("ethnicity") == "Ê Đê")
    assert ede.height > 100
    assert ede["full_name"].str.contains(r"^(Y |H')").all()
    assert ede["full_name"].str.split(" ").list.last().is_in(_POOLS["ede"]["family"]).all()
    jrai = p.filter(pl.col("ethnicity") == "Gia Rai")
    assert jrai["full_name"].str.split(" ").list.first().is_in(_POOLS["jrai"]["family"]).all()
    women = jrai.filter(pl.col("sex") == "Nữ")["full_name"].str.split(" ").list.get(1)
    assert women.str.starts_with("H'").all()
    b = highlands["birth"]
    kids = b.filter((pl.col("ethnicity") == "Ê Đê") & pl.col("mother_name").str.starts_with("H'"))
    assert kids.height > 0
    assert (kids["child_name"].str.split(" ").list.last() == kids["mother_name"].str.split(" ").list.last()).all()
    kids = b.filter((pl.col("ethnicity") == "Gia Rai") & pl.col("mother_name").str.contains(" H'"))
    assert (
        kids.height > 0
        and (kids["child_name"].str.split(" ").list.first() == kids["mother_name"].str.split(" ").list.first()).all()
    )
    # a child with no father declared takes the mother's family name, read as the first word
    # by birth.father_undetermined_mismatch (so no Ê Đê mother is drawn for such a birth)
    alone = b.filter(pl.col("father_person_id").is_null())
    assert (alone["child_name"].str.split(" ").list.first() == alone["mother_name"].str.split(" ").list.first()).all()


def test_ethnic_codes_are_the_gso_list():
    """The 54 groups with the codes of Quyết định 121-TCTK/PPCĐ (2 Mar 1979, "Danh mục các
    thành phần dân tộc Việt Nam"), ordered as that decision orders them (01 Kinh, 02 Tày,
    03 Thái, 04 Hoa, 05 Khmer, 06 Mường … 54 Rơ Măm), not by a later census's population
    ranking; every group the generator names is one of them."""
    from ddss.rules.people import ETHNIC_CODES, ethnic_group
    from generators.ethnic import _GROUP_POOL, REGION_MIX

    anchors = {"01": "Kinh", "04": "Hoa", "05": "Khmer", "06": "Mường", "08": "Mông", "10": "Gia Rai", "11": "Ngái"}
    anchors |= {"12": "Ê Đê", "23": "Bru Vân Kiều", "34": "Xinh Mun", "46": "Pà Thẻn", "53": "Ơ Đu", "54": "Rơ Măm"}
    assert {c: ETHNIC_CODES[c] for c in anchors} == anchors
    assert sorted(ETHNIC_CODES) == [f"{i:02d}" for i in range(1, 55)]
    named = set(_GROUP_POOL) | {g for mix in REGION_MIX.values() for g in mix}
    assert named <= set(ETHNIC_GROUPS)
    # the 1979 decision's spellings are accepted as alternatives
    for spelling in ("Khơ-me", "HMông", "Gia-rai", "Ê-đê", "Xơ-Đăng", "Cơ-ho", "Gié Triêng", "Co Lao", "Rơ-măm"):
        assert ethnic_group(spelling) is not None, spelling
