"""Civil registry (Sở Tư pháp): births, deaths, marriages consistent with the population.

Everything registered here falls after the 2025 reform, so every commune code is a 2025
code. Clean data obeys domain.md "Civil registry": registration within the deadline
(birth 60 days, death 15) and never before the event; one book per commune, type and
year with entries 1..n; parents exist, alive, old enough; spouses unmarried and of age.
Late registration and the like are injected defects, never produced here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ddss.admin_units import REFORM_DATE
from generators.dates import dates, days

__all__ = ["generate_births", "generate_deaths", "generate_marriages"]

BIRTH_DEADLINE_DAYS = 60
DEATH_DEADLINE_DAYS = 15
MARRIAGE_SHARE = 0.006  # couples per person over the period


def _registration(rng, event_days: np.ndarray, deadline: int, as_of: dt.date) -> np.ndarray:
    last = np.minimum(event_days + deadline, days(as_of))
    return event_days + (rng.random(event_days.size) * (last - event_days + 1)).astype(np.int64)


def _number_entries(df: pl.DataFrame, code: str) -> pl.DataFrame:
    """Books per (commune, type, year), entries 1..n by registration order; file in that order."""
    df = df.with_columns((pl.col("registration_date").dt.year().cast(pl.Utf8) + pl.lit(f"/{code}")).alias("register_book")).sort(
        "registering_commune_code", "register_book", "registration_date", "_tie"
    )
    df = df.with_columns(
        pl.int_range(1, pl.len() + 1).over("registering_commune_code", "register_book").cast(pl.Int64).alias("entry_no")
    )
    return df.sort("registration_date", "registering_commune_code", "entry_no").drop("_tie")


def _timestamps(rng, on: pl.Series, as_of: dt.date) -> pl.Series:
    d = np.minimum(on.cast(pl.Int32).to_numpy().astype(np.int64) + rng.integers(0, 3, on.len()), days(as_of) - 1)
    return pl.Series((d * 86_400 + rng.integers(8 * 3600, 17 * 3600, on.len())) * 1_000_000).cast(pl.Datetime("us"))


def generate_births(rng, pop: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Birth records for everyone born since the reform; returns (births, population) with
    the children's family name, ethnicity and home town taken from their parents."""
    p = pop.with_row_index("_i")
    dob_d = p["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    alive = p["date_of_death"].is_null().to_numpy()
    female = (p["sex"] == "Nữ").to_numpy()
    children = np.flatnonzero((dob_d >= days(REFORM_DATE)) & (dob_d < days(as_of)))
    ref = days(REFORM_DATE)
    mothers = np.flatnonzero(alive & female & (dob_d <= ref - 20 * 366) & (dob_d >= ref - 42 * 365))
    fathers = np.flatnonzero(alive & ~female & (dob_d <= ref - 22 * 366) & (dob_d >= ref - 55 * 365))
    k = children.size
    mom = mothers[rng.integers(0, mothers.size, k)]
    dad = fathers[rng.integers(0, fathers.size, k)]
    has_father = rng.random(k) < 0.92

    fam_src = np.where(has_father, dad, mom)
    family = p["full_name"].gather(fam_src).str.split(" ").list.first()
    rest = p["full_name"].gather(children).str.split(" ").list.slice(1).list.join(" ")
    child_name = pl.select(pl.concat_str([family, rest], separator=" ")).to_series()
    ethnicity = p["ethnicity"].gather(fam_src)
    home = p["home_town"].gather(fam_src)
    residence = p["residence_commune_code"].gather(mom)

    reg = _registration(rng, dob_d[children], BIRTH_DEADLINE_DAYS, as_of)
    father_id = p["person_id"].gather(dad)
    births = pl.DataFrame(
        {
            "registration_date": dates(reg),
            "registering_commune_code": residence,
            "child_person_id": p["person_id"].gather(children),
            "child_name": child_name,
            "child_sex": p["sex"].gather(children),
            "child_date_of_birth": p["date_of_birth"].gather(children),
            "place_of_birth": residence,
            "home_town": home,
            "ethnicity": ethnicity,
            "nationality": pl.Series(["Việt Nam"] * k),
            "mother_person_id": p["person_id"].gather(mom),
            "mother_name": p["full_name"].gather(mom),
            "mother_birth_year": p["date_of_birth"].gather(mom).dt.year().cast(pl.Int64),
            "father_person_id": father_id,
            "father_name": p["full_name"].gather(dad),
            "father_birth_year": p["date_of_birth"].gather(dad).dt.year().cast(pl.Int64),
            "_tie": pl.Series(np.arange(k)),
        }
    )
    births = births.with_columns(
        *(
            pl.when(pl.Series(has_father)).then(pl.col(c)).alias(c)
            for c in ("father_person_id", "father_name", "father_birth_year")
        )
    )
    births = births.with_columns(_timestamps(rng, births["registration_date"], as_of).alias("updated_at"))
    births = _number_entries(births, "KS")

    # The population must agree with the birth record (Decree 123/2015 art. 6).
    fix = pl.DataFrame(
        {"_i": pl.Series(children, dtype=pl.UInt32), "_name": child_name, "_eth": ethnicity, "_home": home, "_brp": residence}
    )
    pop = (
        p.join(fix, on="_i", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_name", "full_name").alias("full_name"),
            pl.coalesce("_eth", "ethnicity").alias("ethnicity"),
            pl.coalesce("_home", "home_town").alias("home_town"),
            pl.coalesce("_brp", "birth_registration_place").alias("birth_registration_place"),
        )
        .sort("_i")
        .select(pop.columns)
    )
    return births.select(_BIRTH_COLS), pop


_BIRTH_COLS = [
    "register_book",
    "entry_no",
    "registration_date",
    "registering_commune_code",
    "child_person_id",
    "child_name",
    "child_sex",
    "child_date_of_birth",
    "place_of_birth",
    "home_town",
    "ethnicity",
    "nationality",
    "mother_person_id",
    "mother_name",
    "mother_birth_year",
    "father_person_id",
    "father_name",
    "father_birth_year",
    "updated_at",
]


def generate_deaths(rng, pop: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    dead = pop.filter(pl.col("date_of_death").is_not_null())
    dod = dead["date_of_death"].cast(pl.Int32).to_numpy().astype(np.int64)
    reg = _registration(rng, dod, DEATH_DEADLINE_DAYS, as_of)
    k = dead.height
    deaths = pl.DataFrame(
        {
            "registration_date": dates(reg),
            "registering_commune_code": dead["residence_commune_code"],
            "person_id": dead["person_id"],
            "full_name": dead["full_name"],
            "date_of_death": dead["date_of_death"],
            "place_of_death": dead["residence_commune_code"],
            "_tie": pl.Series(np.arange(k)),
        }
    )
    deaths = deaths.with_columns(_timestamps(rng, deaths["registration_date"], as_of).alias("updated_at"))
    deaths = _number_entries(deaths, "KT")
    deaths = deaths.with_columns(
        (pl.lit("GBT-") + pl.int_range(1, pl.len() + 1).cast(pl.Utf8).str.zfill(6)).alias("death_notice_no")
    )
    return deaths.select(
        "register_book",
        "entry_no",
        "registration_date",
        "registering_commune_code",
        "person_id",
        "full_name",
        "date_of_death",
        "place_of_death",
        "death_notice_no",
        "updated_at",
    )


def generate_marriages(rng, pop: pl.DataFrame, as_of: dt.date, exclude_ids: set[str] = frozenset()) -> pl.DataFrame:
    """Couples of living, unmarried-in-this-period people, man >= 20 and woman >= 18 on any
    date after the reform (TTLT 01/2016 art. 2.1) so clean records are always of age."""
    p = pop.with_row_index("_i")
    dob_d = p["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    alive = p["date_of_death"].is_null().to_numpy()
    female = (p["sex"] == "Nữ").to_numpy()
    ok = alive & ~p["person_id"].is_in(list(exclude_ids)).to_numpy()
    men = np.flatnonzero(ok & ~female & (dob_d <= days(dt.date(2005, 6, 1))) & (dob_d >= days(dt.date(1980, 1, 1))))
    women = np.flatnonzero(ok & female & (dob_d <= days(dt.date(2007, 6, 1))) & (dob_d >= days(dt.date(1982, 1, 1))))
    k = min(round(pop.height * MARRIAGE_SHARE), men.size, women.size)
    h = rng.choice(men, size=k, replace=False)
    w = rng.choice(women, size=k, replace=False)
    lo, hi = days(REFORM_DATE), days(as_of) - 1
    reg = lo + (rng.random(k) * (hi - lo)).astype(np.int64)
    df = pl.DataFrame(
        {
            "registration_date": dates(reg),
            "registering_commune_code": p["residence_commune_code"].gather(w),
            "husband_person_id": p["person_id"].gather(h),
            "husband_name": p["full_name"].gather(h),
            "husband_date_of_birth": p["date_of_birth"].gather(h),
            "wife_person_id": p["person_id"].gather(w),
            "wife_name": p["full_name"].gather(w),
            "wife_date_of_birth": p["date_of_birth"].gather(w),
            "_tie": pl.Series(np.arange(k)),
        }
    )
    df = df.with_columns(_timestamps(rng, df["registration_date"], as_of).alias("updated_at"))
    df = _number_entries(df, "KH")
    return df.select(
        "register_book",
        "entry_no",
        "registration_date",
        "registering_commune_code",
        "husband_person_id",
        "husband_name",
        "husband_date_of_birth",
        "wife_person_id",
        "wife_name",
        "wife_date_of_birth",
        "updated_at",
    )
