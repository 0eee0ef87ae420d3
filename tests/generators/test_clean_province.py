"""A clean province (rate 0) obeys every rule of domain.md that applies, checked here
independently of the generator's code and of the check catalogue: plain polars over the
generated frames, reference data read straight from the vendored CSVs."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from generators.province import DEFAULT_AS_OF, clean_frames

AU = Path(__file__).resolve().parents[2] / "ddss" / "data" / "admin_units"
AS_OF = DEFAULT_AS_OF
REFORM = dt.date(2025, 7, 1)


def _csv(name: str) -> list[dict]:
    with (AU / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


BIRTH_CODES = {r["cccd_birth_code"] for r in _csv("province_crosswalk_63_to_34.csv")}
PRE_2025 = {r["commune_code"] for r in _csv("communes_pre2025.csv")}
COMMUNES_79 = {r["commune_code"] for r in _csv("communes_2025.csv") if r["province_code"] == "79"}
OLD_PROVINCES_79 = {r["cccd_birth_code"] for r in _csv("province_crosswalk_63_to_34.csv") if r["new_gso_code"] == "79"}
LAND_CODES = set(
    "LUC LUK HNK CLN RDD RPH RSX NTS CNT LMU NKH ONT ODT TSC CQP CAN DVH DYT DGD DTT TMD SKC SKS DGT DTL TON TIN "
    "SON MNC PNK BCS DCS NCS".split()
)  # domain.md §Land (valid since 1 Aug 2024)


@pytest.fixture(scope="module")
def f() -> dict[str, pl.DataFrame]:
    return clean_frames("79", 20_000, 13)


def _years(later: str, earlier: str) -> pl.Expr:
    """Full years between two date columns (birthday rule of TTLT 01/2016 art. 2.1)."""
    a, b = pl.col(later), pl.col(earlier)

    def md(d: pl.Expr) -> pl.Expr:  # month and day as one number (Int32: month is Int8)
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)

    return a.dt.year().cast(pl.Int32) - b.dt.year().cast(pl.Int32) - (md(a) < md(b)).cast(pl.Int32)


def test_person_ids_follow_the_law(f):
    """domain.md §Personal identification number: 12 digits; 1–3 a birth code; 4 century
    and sex; 5–6 birth year; unique."""
    p = f["population"]
    assert p["person_id"].str.contains(r"^\d{12}$").all()
    assert p["person_id"].is_unique().all()
    assert set(p["person_id"].str.slice(0, 3)) <= BIRTH_CODES
    century = (p["date_of_birth"].dt.year() // 100 - 19) * 2 + (p["sex"] == "Nữ").cast(pl.Int32)
    assert (p["person_id"].str.slice(3, 1).cast(pl.Int32) == century).all()
    assert (p["person_id"].str.slice(4, 2).cast(pl.Int32) == p["date_of_birth"].dt.year() % 100).all()
    # Most people were registered at birth in a province that merged into this one.
    assert p["person_id"].str.slice(0, 3).is_in(list(OLD_PROVINCES_79)).mean() > 0.6


def test_communes_are_this_provinces_post_reform_communes(f):
    """domain.md §Administrative units: records after 1 July 2025 carry 2025 communes."""
    assert set(f["population"]["residence_commune_code"]) <= COMMUNES_79
    for ds, col in (
        ("birth", "registering_commune_code"),
        ("death", "registering_commune_code"),
        ("marriage", "registering_commune_code"),
        ("parcel", "commune_code"),
        ("certificate", "commune_code"),
    ):
        recent = f[ds].filter(pl.col("registration_date") >= REFORM) if "registration_date" in f[ds].columns else f[ds]
        assert set(recent[col]) <= COMMUNES_79, ds
    # Marriages registered before the reform carry the communes of that time.
    old = f["marriage"].filter(pl.col("registration_date") < REFORM)
    assert old.height > 0 and set(old["registering_commune_code"]) <= PRE_2025


def test_births(f):
    """domain.md §Civil registry: registered within 60 days, never before the birth;
    mother and father exist and are older than the child; entries 1..n per book."""
    b, p = f["birth"], f["population"]
    days = (b["registration_date"] - b["child_date_of_birth"]).dt.total_days()
    assert days.min() >= 0 and days.max() <= 60
    ids = set(p["person_id"])
    assert set(b["child_person_id"]) <= ids and set(b["mother_person_id"]) <= ids
    assert set(b["father_person_id"].drop_nulls()) <= ids
    mothers = b.join(
        p.select("person_id", pl.col("date_of_birth").alias("m_dob")), left_on="mother_person_id", right_on="person_id"
    )
    assert mothers.select(_years("child_date_of_birth", "m_dob").min()).item() >= 15
    _assert_books(b)


def test_deaths_and_the_population_agree(f):
    """domain.md §Civil registry (death): within 15 days; the population shows the death."""
    d, p = f["death"], f["population"]
    days = (d["registration_date"] - d["date_of_death"]).dt.total_days()
    assert days.min() >= 0 and days.max() <= 15
    joined = d.join(p, on="person_id", suffix="_p")
    assert joined.height == d.height
    assert (joined["date_of_death"] == joined["date_of_death_p"]).all()
    assert (joined["full_name"] == joined["full_name_p"]).all()
    assert p["date_of_death"].drop_nulls().min() >= REFORM
    _assert_books(d)


def test_marriages(f):
    """domain.md §Civil registry (marriage): age by the law in force on the registration
    date (from 2015 man ≥ 20, woman ≥ 18 full years; before, in the 20th / 18th year),
    both alive, different sex, nobody married twice unless the earlier marriage ended by
    divorce first; a foreign wife has a passport instead of a personal ID."""
    m, p = f["marriage"], f["population"]
    new, old = (
        m.filter(pl.col("registration_date") >= dt.date(2015, 1, 1)),
        m.filter(pl.col("registration_date") < dt.date(2015, 1, 1)),
    )
    assert new.select(_years("registration_date", "husband_date_of_birth").min()).item() >= 20
    assert new.select(_years("registration_date", "wife_date_of_birth").min()).item() >= 18
    assert old.select(_years("registration_date", "husband_date_of_birth").min()).item() >= 19
    assert old.select(_years("registration_date", "wife_date_of_birth").min()).item() >= 17
    # lawful only under the 2000 law: brides of 17 full years before 2015
    assert old.filter(_years("registration_date", "wife_date_of_birth") == 17).height > 0
    sex = dict(zip(p["person_id"], p["sex"], strict=True))
    assert all(sex[h] == "Nam" for h in m["husband_person_id"])
    assert all(sex[w] == "Nữ" for w in m["wife_person_id"].drop_nulls())
    foreign = m.filter(pl.col("wife_person_id").is_null())
    assert foreign.height > 0 and foreign["wife_passport_no"].is_not_null().all()
    assert (foreign["wife_nationality"] != "Việt Nam").all()
    # Married twice: only after a divorce noted on the earlier entry.
    for who in ("husband_person_id", "wife_person_id"):
        rows = m.filter(pl.col(who).is_not_null()).sort("registration_date")
        for _, g in rows.group_by(who):
            for earlier, later in zip(g.rows(named=True), g.rows(named=True)[1:], strict=False):
                assert earlier["divorce_date"] is not None and earlier["divorce_date"] <= later["registration_date"]
    assert m.filter(pl.col("husband_person_id").is_duplicated()).height > 0  # remarriage after divorce
    dod = dict(zip(p["person_id"], p["date_of_death"], strict=True))
    for h, w, reg in m.select("husband_person_id", "wife_person_id", "registration_date").iter_rows():
        assert all(x is None or dod[x] is None or dod[x] > reg for x in (h, w))
    _assert_books(m)


def _assert_books(df: pl.DataFrame) -> None:
    books = df.group_by("registering_commune_code", "register_book").agg(pl.col("entry_no").sort().alias("n"))
    assert all(n.to_list() == list(range(1, len(n) + 1)) for n in books["n"])
    assert (df["register_book"].str.slice(0, 4).cast(pl.Int32) == df["registration_date"].dt.year()).all()


def test_land(f):
    """domain.md §Land: unique (commune, sheet, parcel); area > 0; codes from the 2024 list;
    serials unique and in their era's form; owners exist, alive, adult, same name and DOB."""
    pa, c, p = f["parcel"], f["certificate"], f["population"]
    assert pa.select("commune_code", "map_sheet_no", "parcel_no").is_unique().all()
    assert (pa["area_m2"] > 0).all() and (pa["area_m2"].round(2) == pa["area_m2"]).all()
    assert set(pa["land_use_code"]) <= LAND_CODES
    # One serial, one certificate: its rows share the issue date, and every parcel of it has
    # the same holders; some certificates cover several parcels, some have co-owners.
    per_serial = c.group_by("certificate_serial").agg(pl.col("issue_date").n_unique().alias("dates"))
    assert (per_serial["dates"] == 1).all()
    holders = c.group_by("certificate_serial", "commune_code", "map_sheet_no", "parcel_no").agg(
        pl.col("owner_person_id").sort().str.join("|").alias("h")
    )
    assert (holders.group_by("certificate_serial").agg(pl.col("h").n_unique())["h"] == 1).all()
    parcels_per = holders.group_by("certificate_serial").len()["len"]
    assert (parcels_per > 1).sum() > 0  # several parcels
    assert (holders["h"].str.contains(r"\|")).sum() > 0  # co-owners
    assert c.select("certificate_serial", "commune_code", "map_sheet_no", "parcel_no", "owner_person_id").is_unique().all()
    # 6 digits through 2024, 8 digits (QR form) from 1 Aug 2024: both in the transition.
    serial, issued = pl.col("certificate_serial"), pl.col("issue_date")
    six = serial.str.contains(r"^[A-Z]{2} \d{6}$") & (issued >= dt.date(2004, 7, 1)) & (issued < dt.date(2025, 1, 1))
    eight = serial.str.contains(r"^[A-Z]{2} \d{8}$") & (issued >= dt.date(2024, 8, 1))
    one_letter = serial.str.contains(r"^[A-Z] \d{6}$") & (issued < dt.date(2004, 7, 1))
    assert c.select((six | eight | one_letter).all()).item()
    transition = c.filter((issued >= dt.date(2024, 8, 1)) & (issued < dt.date(2025, 1, 1)))
    assert transition.select(serial.str.contains(r" \d{6}$").any() & serial.str.contains(r" \d{8}$").any()).item()
    assert (c["issue_date"] <= AS_OF).all()
    assert c.join(pa, on=["commune_code", "map_sheet_no", "parcel_no"]).height == c.height
    people = c.filter(pl.col("holder_type") != "Tổ chức")
    orgs = c.filter(pl.col("holder_type") == "Tổ chức")  # organisations: no personal ID or date of birth
    assert orgs.height > 0 and orgs["owner_person_id"].is_null().all() and orgs["owner_date_of_birth"].is_null().all()
    o = people.join(p, left_on="owner_person_id", right_on="person_id")
    assert o.height == people.height
    assert (o["owner_name"] == o["full_name"]).all() and (o["owner_date_of_birth"] == o["date_of_birth"]).all()
    assert o.select(_years("issue_date", "date_of_birth").min()).item() >= 18
    assert o.filter(pl.col("date_of_death").is_not_null() & (pl.col("date_of_death") < pl.col("issue_date"))).is_empty()


def test_dates_are_not_in_the_future(f):
    for name, df in f.items():
        for col, dtype in df.schema.items():
            if (name, col) == ("population", "id_card_expiry_date"):  # a valid card expires in the future
                assert (df[col].drop_nulls() >= AS_OF).all()
            elif dtype == pl.Date:
                assert (df[col].drop_nulls() <= AS_OF).all(), (name, col)
            elif isinstance(dtype, pl.Datetime):
                assert (df[col].drop_nulls().dt.date() <= AS_OF).all(), (name, col)
