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

from ddss import admin_units
from ddss.admin_units import REFORM_DATE
from ddss.rules.people import MARRIAGE_LAW_2014_FROM
from generators.dates import dates, days
from generators.names import old_tone

__all__ = ["generate_births", "generate_deaths", "generate_marriages"]

BIRTH_DEADLINE_DAYS = 60
DEATH_DEADLINE_DAYS = 15
MARRIAGE_SHARE = 0.006  # couples per person over the period
# Lawful look-alikes every clean province carries (each must raise no finding):
ELSEWHERE_SHARE = 0.04  # births and deaths in a commune of another province (hospital, away from home)
OLD_TONE_SHARE = 0.15  # parents' names written "Hoà", "Thuỷ" where the population writes "Hòa", "Thủy"
HISTORIC_SHARE = 0.002  # marriages registered 2005-2014 (Law 22/2000), per person
DIVORCED_SHARE = 0.4  # of those, ended by a divorce noted on the entry; half the divorced men remarry
FOREIGN_SHARE = 0.03  # post-reform marriages with a foreign wife identified by passport
_FOREIGN = ("KR", "CN", "TW", "JP", "US", "Hàn Quốc", "Trung Quốc")


def _elsewhere(rng, codes: pl.Series, province: str) -> pl.Series:
    """Some of ``codes`` replaced by a 2025 commune of another province."""
    others = sorted(c.code for c in admin_units.communes_2025().values() if c.province_code != province)
    away = rng.random(codes.len()) < ELSEWHERE_SHARE
    picked = pl.Series(others).gather(rng.integers(0, len(others), codes.len()))
    return pl.select(pl.when(pl.Series(away)).then(picked).otherwise(codes)).to_series().alias(codes.name)


def _CURRENT_CODE() -> dict[str, str]:  # noqa: N802 - a constant table, built once per call
    """Closed pre-reform commune code -> the 2025 commune it went to."""
    new = admin_units.communes_2025()
    return {
        c.code: next(x for x in c.related if x in new)
        for c in admin_units.communes_pre2025().values()
        if c.code not in new and any(x in new for x in c.related)
    }


def _province_of(pop: pl.DataFrame) -> str:
    counts = pop["residence_commune_code"].value_counts(sort=True)
    return admin_units.communes_2025()[counts[0, 0]].province_code


def _registration(rng, event_days: np.ndarray, deadline: int, as_of: dt.date) -> np.ndarray:
    """Within the deadline, most of them early (the square of a uniform draw): late
    registration exists only as an injected defect."""
    last = np.minimum(event_days + deadline, days(as_of))
    return event_days + (rng.random(event_days.size) ** 2 * (last - event_days + 1)).astype(np.int64)


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
    # The parent's home town as coded since the reform (a closed code becomes the new commune).
    home = p["home_town"].gather(fam_src).replace_strict(_CURRENT_CODE(), default=pl.first())
    residence = p["residence_commune_code"].gather(mom)

    reg = _registration(rng, dob_d[children], BIRTH_DEADLINE_DAYS, as_of)
    father_id = p["person_id"].gather(dad)
    province = _province_of(pop)
    place = _elsewhere(rng, residence.alias("place_of_birth"), province)
    old = pl.Series(rng.random(k) < OLD_TONE_SHARE)

    def tone(s: pl.Series) -> pl.Series:
        return pl.select(pl.when(old).then(old_tone(s)).otherwise(s)).to_series()

    births = pl.DataFrame(
        {
            "registration_date": dates(reg),
            "registering_commune_code": residence,
            "child_person_id": p["person_id"].gather(children),
            "child_name": child_name,
            "child_sex": p["sex"].gather(children),
            "child_date_of_birth": p["date_of_birth"].gather(children),
            "place_of_birth": place,
            "home_town": home,
            "ethnicity": ethnicity,
            "nationality": pl.Series(["Việt Nam"] * k),
            "mother_person_id": p["person_id"].gather(mom),
            "mother_name": tone(p["full_name"].gather(mom)),
            "mother_birth_year": p["date_of_birth"].gather(mom).dt.year().cast(pl.Int64),
            "father_person_id": father_id,
            "father_name": tone(p["full_name"].gather(dad)),
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
            "place_of_death": _elsewhere(rng, dead["residence_commune_code"], _province_of(pop)),
            "_tie": pl.Series(np.arange(k)),
        }
    )
    deaths = deaths.with_columns(_timestamps(rng, deaths["registration_date"], as_of).alias("updated_at"))
    deaths = _number_entries(deaths, "KT")
    # Death notices numbered per commune and book: "<n>/<year>/GBT".
    deaths = deaths.with_columns(
        pl.concat_str(
            [
                pl.int_range(1, pl.len() + 1).over("registering_commune_code", "register_book").cast(pl.Utf8),
                pl.col("register_book").str.slice(0, 4),
                pl.lit("GBT"),
            ],
            separator="/",
        ).alias("death_notice_no")
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


_MARRIAGE_COLS = [
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
    "husband_nationality",
    "wife_nationality",
    "wife_passport_no",
    "divorce_date",
]
_FOREIGN_NAMES = ("Kim Ji-yeon", "Park Min-ji", "Wang Fang", "Lin Mei-hua", "Sato Yuki", "Emily Johnson", "Chen Jing")
_YEAR = 365.2425


def _pre_reform_code(code: str) -> str:
    """A 2025 commune as it was coded before the reform (the first old commune merged into it)."""
    pre = admin_units.communes_pre2025()
    return next((c for c in admin_units.communes_2025()[code].related if c in pre), code)


def _historic(rng, p: pl.DataFrame, men: np.ndarray, women: np.ndarray, n: int) -> list[dict]:
    """Marriages registered 2005-2014 under Law 22/2000: some brides in their 18th year
    (17 full years), lawful then (domain.md §Civil registry, official-criteria D4)."""
    dob = p["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    lo, hi = days(dt.date(2005, 1, 1)), days(MARRIAGE_LAW_2014_FROM) - 1
    by_dob = men[np.argsort(dob[men], kind="stable")]
    men_dob = dob[by_dob]
    used = np.zeros(by_dob.size, dtype=bool)
    out = []
    for w in women.tolist():
        if len(out) >= n:
            break
        age = (17 + rng.random()) if rng.random() < 0.3 else (18 + 7 * rng.random())
        reg = int(dob[w] + age * _YEAR) + 1
        if not lo <= reg <= hi:
            continue
        # a husband between 20 years and a month and 32 years old on that day
        a, b = np.searchsorted(men_dob, [reg - 32 * _YEAR, reg - 20 * _YEAR - 30], side="left")
        for _ in range(5):
            if b <= a:
                break
            i = int(a + rng.integers(b - a))
            if not used[i]:
                used[i] = True
                out.append({"h": int(by_dob[i]), "w": int(w), "reg": reg})
                break
    return out


def generate_marriages(rng, pop: pl.DataFrame, as_of: dt.date, exclude_ids: set[str] = frozenset()) -> pl.DataFrame:
    """Post-reform couples of living people, man >= 20 and woman >= 18 on the registration
    date (TTLT 01/2016 art. 2.1), some with a foreign wife identified by passport; and
    marriages registered 2005-2014 under the 2000 law, some ended by divorce, after which
    the man may lawfully marry again. Nobody is married twice at the same time."""
    p = pop.with_row_index("_i")
    dob_d = p["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    alive = p["date_of_death"].is_null().to_numpy()
    female = (p["sex"] == "Nữ").to_numpy()
    ok = alive & ~p["person_id"].is_in(list(exclude_ids)).to_numpy()
    men = rng.permutation(
        np.flatnonzero(ok & ~female & (dob_d <= days(dt.date(2005, 6, 1))) & (dob_d >= days(dt.date(1975, 1, 1))))
    )
    women = rng.permutation(
        np.flatnonzero(ok & female & (dob_d <= days(dt.date(2007, 6, 1))) & (dob_d >= days(dt.date(1980, 1, 1))))
    )
    k = min(round(pop.height * MARRIAGE_SHARE), men.size // 2, women.size // 2)
    h, w = men[:k], women[:k]
    hist = _historic(rng, p, men[k:], women[k:], round(pop.height * HISTORIC_SHARE))
    lo, hi = days(REFORM_DATE), days(as_of) - 1
    rows = []
    for hi_, wi, reg in zip(h.tolist(), w.tolist(), (lo + (rng.random(k) * (hi - lo)).astype(np.int64)).tolist(), strict=True):
        rows.append({"h": hi_, "w": wi, "reg": reg})
    used_women = set(w.tolist()) | {r["w"] for r in hist}
    spare_women = [x for x in women.tolist() if x not in used_women]
    for r in hist:
        r["commune"] = _pre_reform_code(p["residence_commune_code"][r["w"]])
        if rng.random() < DIVORCED_SHARE:
            end = min(days(REFORM_DATE) - 1, r["reg"] + int(8 * _YEAR))
            r["divorce"] = r["reg"] + 365 + int(rng.random() * max(end - r["reg"] - 365, 1))
            if rng.random() < 0.5 and spare_women and alive[r["h"]]:
                # Lawful remarriage after the divorce (official-criteria D6).
                rows.append({"h": r["h"], "w": spare_women.pop(), "reg": int(lo + rng.random() * (hi - lo))})
    for r in rows:
        r["commune"] = p["residence_commune_code"][r["w"]]
        r["foreign"] = rng.random() < FOREIGN_SHARE
    rows += hist

    def col(name: str, key: str) -> list:
        return [p[name][r[key]] for r in rows]

    n = len(rows)
    foreign = [bool(r.get("foreign")) for r in rows]
    nat = [_FOREIGN[int(i)] for i in rng.integers(0, len(_FOREIGN), n)]
    fdob = (days(dt.date(1985, 1, 1)) + rng.integers(0, 15 * 365, n)).tolist()
    df = pl.DataFrame(
        {
            "registration_date": dates(np.array([r["reg"] for r in rows], dtype=np.int64)),
            "registering_commune_code": [r["commune"] for r in rows],
            "husband_person_id": col("person_id", "h"),
            "husband_name": col("full_name", "h"),
            "husband_date_of_birth": col("date_of_birth", "h"),
            "wife_person_id": [None if f else x for f, x in zip(foreign, col("person_id", "w"), strict=True)],
            "wife_name": [
                _FOREIGN_NAMES[i % len(_FOREIGN_NAMES)] if f else x
                for i, (f, x) in enumerate(zip(foreign, col("full_name", "w"), strict=True))
            ],
            "wife_date_of_birth": [
                dt.date(1970, 1, 1) + dt.timedelta(days=d) if f else x
                for f, d, x in zip(foreign, fdob, col("date_of_birth", "w"), strict=True)
            ],
            "husband_nationality": ["Việt Nam"] * n,
            "wife_nationality": [nt if f else "Việt Nam" for f, nt in zip(foreign, nat, strict=True)],
            "wife_passport_no": [
                f"M{int(x):08d}" if f else None for f, x in zip(foreign, rng.integers(0, 10**8, n), strict=True)
            ],
            "divorce_date": pl.Series(
                [dt.date(1970, 1, 1) + dt.timedelta(days=r["divorce"]) if "divorce" in r else None for r in rows], dtype=pl.Date
            ),
            "_tie": pl.Series(np.arange(n)),
        },
        schema_overrides={"wife_person_id": pl.Utf8, "wife_passport_no": pl.Utf8},
    )
    df = df.with_columns(_timestamps(rng, df["registration_date"], as_of).alias("updated_at"))
    df = _number_entries(df, "KH")
    return df.select(_MARRIAGE_COLS)
