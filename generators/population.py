"""The population reference snapshot (Công an tỉnh): clean, realistic, vectorised.

Age pyramid and sex ratio follow Vietnam's 2019 census shape (about a quarter under 15,
under a tenth 65+, ~111 boys per 100 girls at birth). IDs are built from the rules of
domain.md ("Personal identification number"): birth code of the province where the
birth was registered (mostly an old province merged into this one, some migrants), and
the place of registration a commune of that province as coded when the person was born,
century/sex digit, two-digit year, six random digits, unique.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import polars as pl

from ddss import admin_units
from ddss.admin_units import REFORM_DATE
from generators import ethnic, families
from generators.blocks import Serials, unique_serials
from generators.dates import dates, days, nullable, years
from generators.draws import categorical

__all__ = ["AGE_BANDS", "FAMILY_COLUMNS", "generate_population"]

# Share of the population per 5-year age band 0-4 ... 95-99 (census 2019 shape).
AGE_BANDS = np.array([8.0, 8.4, 7.6, 6.9, 7.4, 8.2, 8.4, 8.1, 7.4, 6.7, 6.1, 5.4, 4.5, 3.3, 2.2, 1.6, 1.1, 0.7, 0.3, 0.1])
MIGRANT_SHARE = 0.15
# Internal family links (block row indices) civil.py reads; not part of any batch file.
FAMILY_COLUMNS = ("_spouse", "_wed", "_mother", "_father")
# Deaths happen after the reform so every death record carries post-reform codes.
DEATHS_FROM = REFORM_DATE + dt.timedelta(days=5)


@dataclass(frozen=True)
class _Places:
    """One province's reference lists, made once per process (they do not change in a run):
    every commune code a person's places can name, in one Series, and where each pool of
    them starts."""

    units: pl.Series  # the province's 2025 communes, then each birth code's pre-2025 communes
    communes: int  # the province's 2025 communes: units[:communes]
    codes: list[str]  # birth codes: the province's own (old provinces), the others, then "0" + province
    local: int  # the province's own old birth codes: codes[:local]
    pool_start: np.ndarray  # per birth code: where its pre-2025 communes start in units
    pool_size: np.ndarray
    numbers: np.ndarray  # the province's 2025 commune codes as numbers (units[:communes])


@functools.cache
def _places(province: str) -> _Places:
    prov = admin_units.province(province)
    communes = sorted(c.code for c in admin_units.communes_2025().values() if c.province_code == province)
    by_old: dict[str, list[str]] = {}
    for c in admin_units.communes_pre2025().values():
        by_old.setdefault("0" + c.province_code, []).append(c.code)
    codes = [*prov.birth_codes, *sorted(admin_units.birth_codes() - set(prov.birth_codes)), "0" + province]
    units = list(communes)
    start, size = [], []
    for code in codes[:-1]:  # a birth registered since the reform is in a 2025 commune of the province
        pool = sorted(by_old[code])
        start.append(len(units))
        size.append(len(pool))
        units += pool
    start.append(0)
    size.append(len(communes))
    numbers = np.array([int(c) for c in communes], dtype=np.int64)
    series = pl.Series(units, dtype=pl.Utf8)
    return _Places(series, len(communes), codes, len(prov.birth_codes), np.array(start), np.array(size), numbers)


def _household_ids(rng: np.random.Generator, home: np.ndarray, household: np.ndarray, residence: np.ndarray) -> pl.Series:
    """Household number (số hộ) as the population DB keeps it: the commune's code and twelve
    random digits, unique in the block (and, by their length, across blocks in practice);
    null for the dead. ``residence``: each person's commune code as a number (5 digits)."""
    # As np.unique(home, return_inverse=True), by counting (home is a row index < n): no sort.
    used = np.zeros(home.size + 1, dtype=bool)
    used[home] = True
    keys = np.flatnonzero(used)
    inverse = (np.cumsum(used) - 1)[home]
    digits = rng.integers(0, 10**12, keys.size)
    while _repeats(digits):  # a repeat among ~10^5 draws of 10^12 is rare
        _, first = np.unique(digits, return_index=True)
        again = np.setdiff1d(np.arange(digits.size), first)
        digits[again] = rng.integers(0, 10**12, again.size)
    # Every member already lives in the household's commune (its anchor's): 17 digits in all,
    # written once per household and gathered for its members (~100 000 texts, not 250 000).
    commune = np.empty(keys.size, dtype=np.int64)
    commune[inverse] = residence
    text = _digits(pl.Series(commune * 10**12 + digits), 17).gather(inverse)
    return text.scatter(np.flatnonzero(household < 0), None).alias("household_id")


def _digits(numbers: pl.Series, width: int) -> pl.Series:
    """Numbers below 10**width written with ``width`` digits, leading zeros kept (one more
    digit added and cut off again: half the cost of ``str.zfill``)."""
    return (numbers + 10**width).cast(pl.Utf8).str.slice(1)


def _repeats(values: np.ndarray) -> bool:
    """Whether any value occurs twice (a sort: faster here than np.unique's hashing)."""
    ordered = np.sort(values)
    return bool((ordered[1:] == ordered[:-1]).any())


def generate_population(
    rng: np.random.Generator, province: str, n: int, as_of: dt.date, serials: Serials | None = None
) -> pl.DataFrame:
    """``serials``: for block ``block`` of a province of ``blocks``, whose IDs take their six
    serial digits from ``blocks.unique_serials``."""
    if n > 1_000_000:
        raise ValueError("at most 1,000,000 persons per province (six random ID digits)")
    places = _places(province)
    units, n_communes = places.units, places.communes
    as_of_days = days(as_of)

    band = categorical(rng, AGE_BANDS, n)
    age_days = ((band + rng.random(n)) * 5 * 365.25).astype(np.int64) + 1
    dob_days = as_of_days - age_days
    age_years = age_days / 365.25
    # ~111 boys per 100 girls at birth; women outlive men, so the share drifts with age.
    p_male = 111 / 211 - 0.0018 * np.clip(age_years - 20, 0, None)
    male = rng.random(n) < p_male
    sex = pl.Series("sex", ["Nữ", "Nam"], dtype=pl.Utf8).gather(male.astype(np.int64))

    # Mortality rises with age; deaths fall between the reform and three weeks before as_of.
    # Over the ~16 months since the reform: rising with age from 30 (Gompertz shape), and
    # deaths in childhood too: infants (GSO: infant mortality ~12 per 1,000 live births in
    # 2023) and a little under five.
    # (set in place: np.where over scalars costs ~8x, 3.0 against 0.4 ms per 250 000)
    p_death = np.clip(0.0012 * np.exp(0.085 * (age_years - 30)), 0, 0.3)
    p_death[age_years < 5] = 0.0008
    p_death[age_years < 1] = 0.012
    dead = rng.random(n) < p_death
    last_death = as_of_days - 20
    lo = np.maximum(days(DEATHS_FROM), dob_days + 1)
    dod_days = lo + (rng.random(n) * np.maximum(last_death - lo, 1)).astype(np.int64)
    dead &= dod_days <= last_death
    fam = families.build(rng, dob_days, male, np.where(dead, dod_days, as_of_days + 10**6), as_of_days)

    year = years(dob_days)
    born_after_reform = dob_days >= days(REFORM_DATE)
    migrant = (rng.random(n) < MIGRANT_SHARE) & ~born_after_reform
    local, codes = places.local, places.codes
    code_i = np.where(migrant, local + rng.integers(0, len(codes) - 1 - local, n), rng.integers(0, local, n))
    # A birth registered after the reform carries the merged province's own code.
    code_i[born_after_reform] = len(codes) - 1
    # ID: birth code (3 digits), century/sex digit, two-digit year, six random digits: as
    # one number, written once with its leading zeros.
    digit4 = 2 * (year // 100 - 19) + (~male).astype(np.int64)
    serial = rng.choice(1_000_000, size=n, replace=False)  # drawn in any case: the draws after it stay
    prefix = np.array([int(c) for c in codes], dtype=np.int64)[code_i] * 1000 + digit4 * 100 + year % 100
    if serials is not None:
        serial = unique_serials(serials.rng, prefix, serials.block, serials.blocks)
    ids = _digits(pl.Series(prefix * 10**6 + serial), 12)

    commune_w = rng.lognormal(0, 0.6, n_communes)
    own = categorical(rng, commune_w, n)
    # A household is registered in one commune: its anchor's (the wife of a couple).
    home_commune = own[fam.home]
    residence = units.gather(home_commune)
    # Where each birth was registered, as the code valid then (domain.md; official-criteria
    # D2): before the reform a commune of the old province the ID's digits 1-3 name (pre-2025
    # list); after it a 2025 commune of this province (whose own code the ID then carries).
    birth_place = places.pool_start[code_i] + (rng.random(n) * places.pool_size[code_i]).astype(np.int64)
    # Home town (quê quán): mostly where the birth was registered, else a commune of the province.
    home_town = np.where(rng.random(n) < 0.8, birth_place, rng.integers(0, n_communes, n))

    # Last change: within the last ~10 months for the living; just after death for the dead.
    upd_days = np.where(dead, dod_days + rng.integers(1, 15, n), as_of_days - rng.integers(1, 300, n))
    upd_days = np.clip(np.maximum(upd_days, dob_days + 1), None, as_of_days - 1)
    upd = (upd_days * 86_400 + rng.integers(7 * 3600, 18 * 3600, n)) * 1_000_000

    # Ethnicity and family name follow the family (a child takes a parent's), so both are
    # drawn first and then handed down.
    keys, e = ethnic.family_ethnicities(rng, *ethnic.ethnicities(rng, n, province), male, fam, born_after_reform)
    full_name = ethnic.full_names(rng, keys, e, male, year, fam)

    def row(col: np.ndarray) -> pl.Series:  # a block row index, null for none
        return nullable(col, col >= 0)

    return pl.DataFrame(
        {
            "person_id": ids,
            "full_name": full_name,
            "sex": sex,
            "date_of_birth": dates(dob_days),
            "birth_registration_place": units.gather(birth_place),
            "home_town": units.gather(home_town),
            "residence_commune_code": residence,
            "ethnicity": pl.Series(keys, dtype=pl.Utf8).gather(e),
            "nationality": pl.repeat("Việt Nam", n, eager=True),
            "date_of_death": dates(dod_days, dead),
            "updated_at": pl.Series(upd).cast(pl.Datetime("us")),
            "household_id": _household_ids(rng, fam.home, fam.household, places.numbers[home_commune]),
            "relation_to_head": pl.Series(families.RELATIONS, dtype=pl.Utf8).gather(row(fam.relation).cast(pl.UInt32)),
            # Family links for civil.py, as row indices of this block (dropped before writing).
            "_spouse": row(fam.spouse),
            "_wed": row(fam.wed),
            "_mother": row(fam.mother),
            "_father": row(fam.father),
        }
    )
