"""The clean frames built from index arrays (issue #21, generation speed): the calendar
arithmetic, the name pools and the frames' columns behave as the slower code they replaced."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ddss.admin_units import province
from generators import ethnic, names
from generators.dates import anniversaries, civil, dates, days, nullable, years
from generators.population import generate_population
from generators.province import DEFAULT_AS_OF, clean_frames


@pytest.mark.parametrize(
    ("born", "years", "expected"),
    [
        (dt.date(2000, 2, 29), 1, dt.date(2001, 2, 28)),  # no 29 February that year
        (dt.date(2000, 2, 29), 4, dt.date(2004, 2, 29)),
        (dt.date(1896, 2, 29), 4, dt.date(1900, 2, 28)),  # 1900 is no leap year
        (dt.date(1996, 2, 29), 4, dt.date(2000, 2, 29)),  # 2000 is
        (dt.date(2011, 3, 1), 14, dt.date(2025, 3, 1)),
        (dt.date(2011, 2, 28), 14, dt.date(2025, 2, 28)),
        (dt.date(1969, 12, 31), 58, dt.date(2027, 12, 31)),  # before the epoch
    ],
)
def test_anniversary_cases(born, years, expected):
    assert anniversaries(np.array([days(born)]), [years])[years][0] == days(expected)


def test_calendar_arithmetic_equals_polars_over_four_centuries():
    """civil = polars' year/month/day; anniversaries = polars' dt.offset_by (as DuckDB's
    INTERVAL: 29 Feb -> 28 Feb), for every day 1800-2200."""
    d = np.arange(days(dt.date(1800, 1, 1)), days(dt.date(2200, 1, 1)))
    s = dates(d)
    year, month, day = civil(d)
    assert (year == s.dt.year().to_numpy()).all() and (month == s.dt.month().to_numpy()).all()
    assert (day == s.dt.day().to_numpy()).all()
    ks = [14, 12, 25, 23, 40, 38, 60, 58, 1]
    got = anniversaries(d, ks)
    for k in ks:
        assert (got[k] == s.dt.offset_by(f"{k}y").cast(pl.Int32).to_numpy()).all(), k


def test_nullable_keeps_the_values_and_nulls_the_rest():
    s = nullable(np.array([3, 4, 5]), np.array([True, False, True]))
    assert s.to_list() == [3, None, 5]
    assert dates(np.array([0, 1]), np.array([False, True])).to_list() == [None, dt.date(1970, 1, 2)]


def test_kinh_name_indices_name_parts_of_the_persons_sex():
    """A rest index decodes to given name, middle + given or two middles + given of that
    person's sex: "Thị" only as a woman's first middle name, "Văn" never a man's second."""
    rng = np.random.default_rng(3)
    n = 20_000
    male = rng.random(n) < 0.5
    year = rng.integers(1930, 2026, n)
    family, rest = names.kinh_names(rng, male, year)
    words, rests = names.family_words(), names.kinh_rests()[0]
    assert family.min() >= 0 and family.max() < len(words) and rest.min() >= 0 and rest.max() < len(rests)
    parts = [rests[i].split(" ") for i in rest]
    for is_male, p in zip(male.tolist(), parts, strict=True):
        sex = "Nam" if is_male else "Nữ"
        assert p[-1] in names.GIVEN[sex]
        assert all(m in names.MIDDLE[sex] for m in p[:-1])
        assert not (is_male and "Thị" in p) and not (len(p) == 3 and p[1] in ("Thị", "Văn"))
    size = np.array([len(p) for p in parts])
    assert 0.02 < (size == 1).mean() < 0.07 and 0.08 < (size == 3).mean() < 0.16
    women = ~male & (size >= 2)
    thi = np.array([p[0] == "Thị" for p in parts])
    assert thi[women & (year < 1960)].mean() > 0.75 and thi[women & (year >= 2000)].mean() < 0.45


def test_vocabulary_holds_every_pool_once_per_process():
    words, rests, starts = ethnic._vocabulary()
    assert ethnic._vocabulary()[0] is words  # made once
    for key, pool in ethnic._POOLS.items():
        w0, men, women = starts[key]
        assert tuple(words[w0 : w0 + len(pool["family"])]) == pool["family"]
        assert tuple(rests[men : men + len(pool["Nam"])]) == pool["Nam"]
        assert tuple(rests[women : women + len(pool["Nữ"])]) == pool["Nữ"]


@pytest.fixture(scope="module")
def highland_links() -> pl.DataFrame:
    return generate_population(np.random.default_rng(8), "66", 20_000, DEFAULT_AS_OF).with_row_index("_i")


def test_family_name_is_the_source_parents(highland_links):
    """A child of its parent's group carries that parent's family name: the father's (first
    word) in a Kinh family; the mother's lineage name in a matrilineal group, first word
    for Gia Rai, last for Ê Đê."""
    p = highland_links
    first, last = p["full_name"].str.extract(r"^(\S+)"), p["full_name"].str.extract(r"(\S+)$")
    eth = p["ethnicity"]

    def pairs(kid_group: str, parent: str) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(((eth == kid_group) & p[parent].is_not_null()).to_numpy())
        par = p[parent].gather(rows).to_numpy()
        same = (eth.gather(par) == kid_group).to_numpy()
        return rows[same], par[same]

    kid, dad = pairs("Kinh", "_father")
    kinh_mother = (eth.gather(p["_mother"].gather(kid)) == "Kinh").to_numpy()  # not a matrilineal mother
    kid, dad = kid[kinh_mother], dad[kinh_mother]
    assert kid.size > 500 and (first.gather(kid) == first.gather(dad)).all()
    kid, mom = pairs("Gia Rai", "_mother")
    assert kid.size > 20 and (first.gather(kid) == first.gather(mom)).all()
    kid, mom = pairs("Ê Đê", "_mother")
    assert kid.size > 20 and (last.gather(kid) == last.gather(mom)).all()


# The columns and types every consumer of the clean frames reads (defects, writers, closures).
_SCHEMA = {
    "population": {
        "person_id": pl.String,
        "full_name": pl.String,
        "sex": pl.String,
        "date_of_birth": pl.Date,
        "birth_registration_place": pl.String,
        "home_town": pl.String,
        "residence_commune_code": pl.String,
        "ethnicity": pl.String,
        "nationality": pl.String,
        "date_of_death": pl.Date,
        "updated_at": pl.Datetime("us"),
        "id_card_issue_date": pl.Date,
        "household_id": pl.String,
        "relation_to_head": pl.String,
        "id_card_expiry_date": pl.Date,
        "mother_person_id": pl.String,
        "father_person_id": pl.String,
    },
    "parcel": {
        "commune_code": pl.String,
        "map_sheet_no": pl.String,
        "parcel_no": pl.String,
        "area_m2": pl.Float64,
        "land_use_code": pl.String,
        "address": pl.String,
        "updated_at": pl.Datetime("us"),
        "geometry_ref": pl.String,
        "scan_ref": pl.String,
    },
    "certificate": {
        "certificate_serial": pl.String,
        "commune_code": pl.String,
        "map_sheet_no": pl.String,
        "parcel_no": pl.String,
        "issue_date": pl.Date,
        "owner_person_id": pl.String,
        "owner_name": pl.String,
        "owner_date_of_birth": pl.Date,
        "updated_at": pl.Datetime("us"),
        "holder_type": pl.String,
    },
}


def test_clean_frames_keep_their_columns_and_forms():
    f = clean_frames("01", 3000, 5)
    for name, schema in _SCHEMA.items():
        assert dict(f[name].schema) == schema, name
    p, pa, c = f["population"], f["parcel"], f["certificate"]
    assert p["person_id"].str.contains(r"^0\d{11}$").all() and p["person_id"].is_unique().all()
    living = p.filter(pl.col("date_of_death").is_null())
    assert living["household_id"].str.contains(r"^\d{17}$").all()
    assert (living["household_id"].str.slice(0, 5) == living["residence_commune_code"]).all()
    assert pa.select(pl.struct("commune_code", "map_sheet_no", "parcel_no").is_unique().all()).item()
    assert pa["address"].str.starts_with("Thửa ").all() and pa["address"].str.ends_with(", " + province("01").name).all()
    # F10's other two components, named by the parcel's key (no personal data).
    where = pa["commune_code"] + "-" + pa["map_sheet_no"].str.zfill(3) + "-" + pa["parcel_no"].str.zfill(6)
    assert (pa["geometry_ref"] == "KG-" + where).all() and (pa["scan_ref"] == "HS-" + where + ".pdf").all()
    org = c["holder_type"] == "Tổ chức"
    assert org.sum() > 0 and c.filter(org)["owner_person_id"].is_null().all()
    assert c.filter(org)["owner_name"].str.starts_with("Công ty TNHH ").all()
    assert c.filter(~org)["owner_person_id"].is_in(p["person_id"].implode()).all()


def test_civil_entries_name_their_scanned_dossier():
    """One PDF per case (official-criteria F8), named by commune, book and entry: unique,
    never empty on a clean entry, no personal data in it."""
    f = clean_frames("01", 3000, 5)
    for name, kind in (("birth", "KS"), ("death", "KT"), ("marriage", "KH")):
        df = f[name]
        assert df.height > 0 and df["scan_ref"].null_count() == 0, name
        want = df["registering_commune_code"] + "-" + df["register_book"].str.replace("/", "-") + "-"
        assert (df["scan_ref"] == want + df["entry_no"].cast(pl.Utf8).str.zfill(6) + ".pdf").all(), name
        assert df["scan_ref"].str.contains(rf"^\d{{5}}-\d{{4}}-{kind}-\d{{6}}\.pdf$").all(), name
        assert df["scan_ref"].is_unique().all(), name


@pytest.mark.parametrize(
    ("name", "old"),
    [
        ("Nguyễn Thị Hòa", "Nguyễn Thị Hoà"),
        ("Lê Thủy Tiên", "Lê Thuỷ Tiên"),  # inside the name too
        ("Hòa", "Hoà"),
        ("Trần Văn Hoàng", "Trần Văn Hoàng"),  # "òa" not at a syllable's end
        ("Phạm Xòe", "Phạm Xoè"),
        ("Đỗ Minh Tuấn", "Đỗ Minh Tuấn"),
        (None, None),
    ],
)
def test_old_tone_placement(name, old):
    assert names.old_tone(pl.Series([name], dtype=pl.Utf8)).to_list() == [old]


def test_categorical_draws_follow_the_weights_in_no_fixed_order():
    from generators.draws import categorical

    rng = np.random.default_rng(4)
    w = np.array([50.0, 30.0, 15.0, 5.0, 0.0])
    x = categorical(rng, w, 200_000)
    share = np.bincount(x, minlength=w.size) / x.size
    assert np.abs(share - w / w.sum()).max() < 0.005 and share[-1] == 0
    # shuffled: the first rows are no run of category 0
    assert (x[:1000] == 0).mean() < 0.6 and len(np.unique(x[:20])) > 1
    assert categorical(rng, w, 0).size == 0


def test_years_are_civil_years():
    d = np.arange(days(dt.date(1800, 1, 1)), days(dt.date(2200, 1, 1)))
    assert np.array_equal(years(d), civil(d)[0])


def test_calendar_of_many_dates_over_few_days():
    """More dates than half the days they span (each day computed once, then gathered) give
    polars' calendar too, 1900 (no leap year) and 29 February included."""
    d = np.random.default_rng(1).integers(days(dt.date(1895, 1, 1)), days(dt.date(1905, 1, 1)), 20_000)
    d[:2] = days(dt.date(1896, 2, 29)), days(dt.date(1904, 2, 29))
    s = dates(d)
    year, month, day = civil(d)
    assert (year == s.dt.year().to_numpy()).all() and (month == s.dt.month().to_numpy()).all()
    assert (day == s.dt.day().to_numpy()).all() and np.array_equal(years(d), year)
    assert (anniversaries(d, [4])[4] == s.dt.offset_by("4y").cast(pl.Int32).to_numpy()).all()
