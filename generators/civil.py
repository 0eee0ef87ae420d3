"""Civil registry (Sở Tư pháp): births, deaths, marriages consistent with the population.

Everything registered here falls after the 2025 reform, so every commune code is a 2025
code. Clean data obeys domain.md "Civil registry": registration within the deadline
(birth 60 days, death 15) and never before the event; one book per commune, type and
year with entries 1..n; parents exist, alive, old enough; spouses unmarried and of age.
Late registration and the like are injected defects, never produced here.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import polars as pl

from ddss import admin_units
from ddss.admin_units import REFORM_DATE
from ddss.rules.people import MARRIAGE_LAW_2014_FROM
from generators.dates import dates, days
from generators.entries import number_entries
from generators.ethnic import MATRILINEAL
from generators.names import old_tone
from generators.orders import stable_sort

__all__ = ["generate_births", "generate_deaths", "generate_marriages"]

BIRTH_DEADLINE_DAYS = 60
DEATH_DEADLINE_DAYS = 15
PARENTS_RECORDED = 0.92  # couples with a child born since the reform whose marriage is in this register (estimate)
# Lawful look-alikes every clean province carries (each must raise no finding):
ELSEWHERE_SHARE = 0.04  # births and deaths in a commune of another province (hospital, away from home)
OLD_TONE_SHARE = 0.15  # parents' names written "Hoà", "Thuỷ" where the population writes "Hòa", "Thủy"
HISTORIC_SHARE = 0.002  # marriages registered 2005-2014 (Law 22/2000), per person
DIVORCED_SHARE = 0.4  # of those, ended by a divorce noted on the entry; half the divorced men remarry
FOREIGN_SHARE = 0.03  # post-reform marriages with a foreign wife identified by passport
_FOREIGN = ("KR", "CN", "TW", "JP", "US", "Hàn Quốc", "Trung Quốc")


@functools.cache
def _other_communes(province: str) -> pl.Series:
    return pl.Series(sorted(c.code for c in admin_units.communes_2025().values() if c.province_code != province), dtype=pl.Utf8)


def _elsewhere(rng, codes: pl.Series, province: str) -> pl.Series:
    """Some of ``codes`` replaced by a 2025 commune of another province."""
    others = _other_communes(province)
    away = np.flatnonzero(rng.random(codes.len()) < ELSEWHERE_SHARE)
    picked = rng.integers(0, others.len(), codes.len())[away]
    return codes.clone().scatter(away, others.gather(picked)) if away.size else codes


@functools.cache  # the reference lists do not change in a run; once per process, not per block
def _CURRENT_CODE() -> tuple[pl.Series, pl.Series]:  # noqa: N802 - a constant table
    """Closed pre-reform commune codes and the 2025 communes they went to (as Series: a
    dict is made into two for every replace)."""
    new = admin_units.communes_2025()
    closed = {
        c.code: next(x for x in c.related if x in new)
        for c in admin_units.communes_pre2025().values()
        if c.code not in new and any(x in new for x in c.related)
    }
    return pl.Series(list(closed), dtype=pl.Utf8), pl.Series(list(closed.values()), dtype=pl.Utf8)


def _province_of(pop: pl.DataFrame) -> str:
    """The province (every clean population row lives in one of its communes)."""
    return admin_units.communes_2025()[pop["residence_commune_code"][0]].province_code


def _registration(rng, event_days: np.ndarray, deadline: int, as_of: dt.date) -> np.ndarray:
    """Within the deadline, most of them early (the square of a uniform draw): late
    registration exists only as an injected defect."""
    last = np.minimum(event_days + deadline, days(as_of))
    return event_days + (rng.random(event_days.size) ** 2 * (last - event_days + 1)).astype(np.int64)


def _timestamps(rng, on: pl.Series, as_of: dt.date) -> pl.Series:
    d = np.minimum(on.cast(pl.Int32).to_numpy().astype(np.int64) + rng.integers(0, 3, on.len()), days(as_of) - 1)
    return pl.Series((d * 86_400 + rng.integers(8 * 3600, 17 * 3600, on.len())) * 1_000_000).cast(pl.Datetime("us"))


def _links(p: pl.DataFrame, name: str) -> np.ndarray:
    """A family link of population.py (block row index), -1 for none."""
    return p[name].fill_null(-1).to_numpy().astype(np.int64)


def generate_births(rng, pop: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Birth records for everyone born since the reform, to the mother population.py gave
    them (and her husband as the father when born in the marriage); returns (births,
    population) with the child's home town and place of birth registration from the record."""
    p = pop
    dob_d = p["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    mother, father = _links(p, "_mother"), _links(p, "_father")
    children = np.flatnonzero((dob_d >= days(REFORM_DATE)) & (dob_d < days(as_of)) & (mother >= 0))
    k = children.size
    mom, dad = mother[children], father[children]
    has_father = dad >= 0
    dad = np.where(has_father, dad, mom)  # a placeholder row, blanked below

    # Home town as the parent the child follows (the mother in a matrilineal group or with
    # no father), coded as since the reform (a closed code becomes the new commune).
    mom_eth = p["ethnicity"].gather(mom)
    src = np.where(has_father & ~mom_eth.is_in(list(MATRILINEAL)).to_numpy(), dad, mom)
    home = p["home_town"].gather(src).replace_strict(*_CURRENT_CODE(), default=pl.first())
    residence = p["residence_commune_code"].gather(mom)
    child_name = p["full_name"].gather(children)

    reg = _registration(rng, dob_d[children], BIRTH_DEADLINE_DAYS, as_of)
    father_id = p["person_id"].gather(dad)
    province = _province_of(pop)
    place = _elsewhere(rng, residence.alias("place_of_birth"), province)
    old = np.flatnonzero(rng.random(k) < OLD_TONE_SHARE)

    def tone(s: pl.Series) -> pl.Series:  # rewritten only where drawn
        return s.scatter(old, old_tone(s.gather(old))) if old.size else s

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
            "ethnicity": p["ethnicity"].gather(children),
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
    births = number_entries(births, "KS")

    # The population must agree with the birth record (Decree 123/2015 art. 6).
    if k:
        pop = pop.with_columns(
            pop["home_town"].clone().scatter(children, home),
            pop["birth_registration_place"].clone().scatter(children, residence),
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
    "scan_ref",
]


def generate_deaths(rng, pop: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    # (the four columns read, filtered: not every column of the population)
    dead = pop.select("date_of_death", "residence_commune_code", "person_id", "full_name").drop_nulls("date_of_death")
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
    deaths = number_entries(deaths, "KT")
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
        "scan_ref",
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
    "scan_ref",
]
_FOREIGN_NAMES = ("Kim Ji-yeon", "Park Min-ji", "Wang Fang", "Lin Mei-hua", "Sato Yuki", "Emily Johnson", "Chen Jing")
_YEAR = 365.2425


@functools.cache  # the lists do not change in a run (one search of them per commune and process)
def _pre_reform_code(code: str) -> str:
    """A 2025 commune as it was coded before the reform (the first old commune merged into
    it). A unit that was no commune then (a district without communes, e.g. Côn Đảo) gets
    the first pre-reform commune of its province: a record of that time needs a code of
    the list then in force."""
    pre = admin_units.communes_pre2025()
    new = admin_units.communes_2025()[code]
    found = next((c for c in new.related if c in pre), None)
    if found is None:
        old = admin_units.provinces_2025()[new.province_code].old_codes
        found = min(c.code for c in pre.values() if c.province_code in old)
    return found


def _historic(rng, p: pl.DataFrame, men: np.ndarray, women: np.ndarray, n: int) -> list[dict]:
    """Marriages registered 2005-2014 under Law 22/2000: some brides in their 18th year
    (17 full years), lawful then (domain.md §Civil registry, official-criteria D4)."""
    dob = p["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    lo, hi = days(dt.date(2005, 1, 1)), days(MARRIAGE_LAW_2014_FROM) - 1
    born = dob[men]
    by_dob = men[stable_sort(born - born.min() if born.size else born)[0]]  # (an argsort: ~3x the cost)
    men_dob = dob[by_dob]
    # Every woman's registration day at once; those in the years of the old law look for a
    # husband between 20 years and a month and 32 years old on that day: up to five random
    # picks each, a man to the first woman (in ``women``'s order) who picks him.
    young = rng.random(women.size) < 0.3
    age = np.where(young, 17 + rng.random(women.size), 18 + 7 * rng.random(women.size))
    reg = (dob[women] + age * _YEAR).astype(np.int64) + 1
    fits = (reg >= lo) & (reg <= hi)
    women, reg = women[fits], reg[fits]
    a = np.searchsorted(men_dob, reg - 32 * _YEAR)
    span = np.searchsorted(men_dob, reg - 20 * _YEAR - 30) - a
    husband = np.full(women.size, -1, dtype=np.int64)
    used = np.zeros(by_dob.size, dtype=bool)
    todo = np.flatnonzero(span > 0)
    for _ in range(5):
        if todo.size == 0:
            break
        pick = a[todo] + (rng.random(todo.size) * span[todo]).astype(np.int64)
        cand = np.flatnonzero(~used[pick])
        first = np.full(by_dob.size, cand.size)
        np.minimum.at(first, pick[cand], np.arange(cand.size))
        win = cand[first[first < cand.size]]
        used[pick[win]] = True
        husband[todo[win]] = by_dob[pick[win]]
        keep = np.ones(todo.size, dtype=bool)
        keep[win] = False
        todo = todo[keep]
    got = np.flatnonzero(husband >= 0)[:n]
    return [{"h": int(h), "w": int(w), "reg": int(r)} for h, w, r in zip(husband[got], women[got], reg[got], strict=True)]


def generate_marriages(rng, pop: pl.DataFrame, as_of: dt.date, exclude_ids: set[str] = frozenset()) -> pl.DataFrame:
    """The couples of population.py whose marriage is registered here: every marriage since
    the reform (man >= 20 and woman >= 18 on the day, TTLT 01/2016 art. 2.1), some with a
    foreign wife identified by passport, and most older couples with a child born since
    (registered under the law then in force, with the commune code of that time); plus
    marriages registered 2005-2014 under the 2000 law, some ended by divorce, after which
    the man may lawfully marry again. Nobody is married twice at the same time."""
    p = pop.with_row_index("_i")
    n = p.height
    dob_d = p["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    alive = p["date_of_death"].is_null().to_numpy()
    female = (p["sex"] == "Nữ").to_numpy()
    ok = ~p["person_id"].is_in(list(exclude_ids)).to_numpy() if exclude_ids else np.ones(n, dtype=bool)
    spouse, wed, mother, father = (_links(p, c) for c in ("_spouse", "_wed", "_mother", "_father"))
    reform, last = days(REFORM_DATE), days(as_of) - 1

    born = np.flatnonzero((dob_d >= reform) & (dob_d <= last) & (father >= 0))
    parent = np.zeros(n, dtype=bool)
    parent[mother[born]] = True
    wives = np.flatnonzero(female & (spouse >= 0) & ok)
    wives = wives[ok[spouse[wives]] & (wed[wives] <= last)]
    recent = wed[wives] >= reform
    keep = recent | (parent[wives] & (rng.random(wives.size) < PARENTS_RECORDED))
    w, h, reg = wives[keep], spouse[wives[keep]], wed[wives[keep]]
    foreign = (reg >= reform) & ~parent[w] & (rng.random(w.size) < FOREIGN_SHARE)
    divorce = np.full(w.size, -1, dtype=np.int64)

    # Older marriages ended by divorce, among people with no couple in the population.
    single = ok & alive & (spouse < 0)
    men = rng.permutation(np.flatnonzero(single & ~female & (dob_d >= days(dt.date(1975, 1, 1)))))
    women = rng.permutation(
        np.flatnonzero(single & female & (dob_d <= days(dt.date(2007, 6, 1))) & (dob_d >= days(dt.date(1980, 1, 1))))
    )
    hist = _historic(rng, p, men, women, round(n * HISTORIC_SHARE))
    used = {r["w"] for r in hist}
    spare = [x for x in women.tolist() if x not in used]
    extra = []
    for r in hist:
        if rng.random() < DIVORCED_SHARE:
            end = min(reform - 1, r["reg"] + int(8 * _YEAR))
            r["divorce"] = r["reg"] + 365 + int(rng.random() * max(end - r["reg"] - 365, 1))
            if rng.random() < 0.5 and spare and alive[r["h"]]:
                # Lawful remarriage after the divorce (official-criteria D6).
                extra.append((r["h"], spare.pop(), int(reform + rng.random() * (last - reform))))
    h = np.concatenate([h, [r["h"] for r in hist], [x[0] for x in extra]]).astype(np.int64)
    w = np.concatenate([w, [r["w"] for r in hist], [x[1] for x in extra]]).astype(np.int64)
    reg = np.concatenate([reg, [r["reg"] for r in hist], [x[2] for x in extra]]).astype(np.int64)
    foreign = np.concatenate([foreign, np.zeros(len(hist) + len(extra), dtype=bool)])
    divorce = np.concatenate([divorce, [r.get("divorce", -1) for r in hist], np.full(len(extra), -1)]).astype(np.int64)
    k = h.size

    # Registered in the wife's commune, as coded on that day.
    commune = p["residence_commune_code"].gather(w)
    before = pl.Series(reg < reform)
    old_codes = {c: _pre_reform_code(c) for c in commune.filter(before).unique().to_list()}
    commune = pl.select(pl.when(before).then(commune.replace(old_codes)).otherwise(commune)).to_series()
    f = pl.Series(foreign)
    nat = pl.Series(_FOREIGN).gather(rng.integers(0, len(_FOREIGN), k))
    fdob = dates(days(dt.date(1985, 1, 1)) + rng.integers(0, 15 * 365, k))
    passport = pl.Series(rng.integers(0, 10**8, k)).cast(pl.Utf8).str.zfill(8)
    fname = pl.Series(_FOREIGN_NAMES).gather(np.arange(k) % len(_FOREIGN_NAMES))

    def either(foreigner: pl.Series, own: pl.Series) -> pl.Series:
        return pl.select(pl.when(f).then(foreigner).otherwise(own)).to_series()

    df = pl.DataFrame(
        {
            "registration_date": dates(reg),
            "registering_commune_code": commune,
            "husband_person_id": p["person_id"].gather(h),
            "husband_name": p["full_name"].gather(h),
            "husband_date_of_birth": p["date_of_birth"].gather(h),
            "wife_person_id": pl.select(pl.when(~f).then(p["person_id"].gather(w))).to_series(),
            "wife_name": either(fname, p["full_name"].gather(w)),
            "wife_date_of_birth": either(fdob, p["date_of_birth"].gather(w)),
            "husband_nationality": pl.Series(["Việt Nam"] * k, dtype=pl.Utf8),
            "wife_nationality": either(nat, pl.Series(["Việt Nam"] * k, dtype=pl.Utf8)),
            "wife_passport_no": pl.select(pl.when(f).then("M" + passport)).to_series(),
            "divorce_date": pl.select(pl.when(pl.Series(divorce >= 0)).then(dates(np.maximum(divorce, 0)))).to_series(),
            "_tie": pl.Series(np.arange(k)),
        }
    )
    df = df.with_columns(_timestamps(rng, df["registration_date"], as_of).alias("updated_at"))
    df = number_entries(df, "KH")
    return df.select(_MARRIAGE_COLS)
