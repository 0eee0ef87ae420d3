"""Land records (Sở Nông nghiệp và Môi trường): parcels and their certificates.

Parcels: unique (commune, map sheet, parcel) per commune, log-normal areas, a land-use
mix that depends on how urban the province is, each with its map geometry and scanned
dossier referenced (F10's three components). Certificates: one row per certified parcel and
holder, owned by living adults of the population (name and date of birth as there),
issued after the holders' 18th birthdays, serial in a form lawful on its issue date;
some certificates cover several parcels, some have co-owners.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import polars as pl

from ddss import admin_units
from ddss.rules.land import SERIAL_ERAS
from generators.blocks import Serials, unique_serials
from generators.dates import dates, days, nullable
from generators.draws import categorical
from generators.orders import by_key_then_random

__all__ = ["generate_certificates", "generate_parcels"]

PARCELS_PER_PERSON = 0.3
CERTIFIED_SHARE = 0.8
MULTI_PARCEL_SHARE = 0.05  # certificates covering several parcels (lawful: domain.md §Land)
CO_OWNER_SHARE = 0.1  # one-parcel certificates with a second holder
ORGANISATION_SHARE = 0.02  # certificates held by an organisation (no personal ID)
_ORG_NAMES = np.array(["Phú Thịnh", "Hưng Long", "An Khang", "Minh Phát", "Thành Công", "Đại Việt", "Sao Mai", "Hòa Bình"])
_URBAN = {
    "ODT": 40,
    "ONT": 8,
    "CLN": 8,
    "HNK": 6,
    "LUC": 5,
    "TMD": 8,
    "SKC": 5,
    "DGT": 4,
    "NTS": 3,
    "TSC": 2,
    "DYT": 1,
    "DGD": 1,
    "TON": 1,
    "DTT": 1,
}
_RURAL = {
    "ONT": 25,
    "ODT": 5,
    "LUC": 20,
    "LUK": 4,
    "HNK": 12,
    "CLN": 15,
    "NTS": 6,
    "RSX": 5,
    "RPH": 2,
    "SKC": 2,
    "DGT": 2,
    "TMD": 1,
    "DTL": 1,
}
_LETTERS = np.array(list("ABCDEFGHIKLMNPQRSTUVXY"))


@functools.cache
def _communes(province: str) -> tuple[list[str], np.ndarray, pl.Series, pl.Series]:
    """The province's 2025 communes (sorted by code), whether each is a ward, their codes,
    and the end of a parcel's address in each (", <commune>, <province>"): once per process."""
    communes = sorted((c.code, c.name) for c in admin_units.communes_2025().values() if c.province_code == province)
    prov_name = admin_units.province(province).name
    ward = np.array([nm.startswith("Phường") for _, nm in communes])
    codes = pl.Series([c for c, _ in communes], dtype=pl.Utf8)
    tails = pl.Series([f", {nm}, {prov_name}" for _, nm in communes], dtype=pl.Utf8)
    return [c for c, _ in communes], ward, codes, tails


_SHEETS = 60  # map sheets 1..60 per commune


@functools.cache
def _form_ranks() -> np.ndarray:
    """Each serial form (2 x head + 1 for the 8-digit number) ranked by its text (head letters,
    then "6" or "8"): the order the forms' numbers are drawn in (blocks.unique_serials)."""
    texts = [f"{h.strip()}{w}" for h in _serial_heads().to_list() for w in "68"]
    ranks = np.empty(len(texts), dtype=np.int64)
    ranks[np.argsort(texts, kind="stable")] = np.arange(len(texts))
    return ranks


@functools.cache
def _serial_heads() -> pl.Series:
    """A serial's letters and space: "A " … "Y ", then "AA " … "YY " (first letter, second)."""
    pairs = [f"{a}{b}" for a in _LETTERS for b in _LETTERS]
    return pl.Series([f"{x} " for x in [*_LETTERS, *pairs]], dtype=pl.Utf8)


@functools.cache
def _pools(province: str) -> tuple[tuple[pl.Series, pl.Series, pl.Series], pl.Series, pl.Series]:
    """Per map sheet (by number) its text, "<3 digits>-" and ", tờ <number>"; per commune
    "KG-<code>-" and "HS-<code>-" (the references' heads): once per process."""
    texts = [[str(s), f"{s:03d}-", f", tờ {s}"] for s in range(_SHEETS + 1)]
    sheets = tuple(pl.Series(column, dtype=pl.Utf8) for column in zip(*texts, strict=True))
    codes = _communes(province)[0]
    return sheets, pl.Series([f"KG-{c}-" for c in codes], dtype=pl.Utf8), pl.Series([f"HS-{c}-" for c in codes], dtype=pl.Utf8)


def generate_parcels(rng, province: str, persons: int, as_of: dt.date, block: int = 0, blocks: int = 1) -> pl.DataFrame:
    communes, wards, codes, tails = _communes(province)
    n = max(1, round(persons * PARCELS_PER_PERSON))
    w = rng.lognormal(0, 0.5, len(communes))
    ci = categorical(rng, w, n)
    sheet = rng.integers(1, _SHEETS + 1, n)
    # Residential land is ODT in a ward (phường, urban) and ONT in a commune (xã, rural)
    # (TT 08/2024/TT-BTNMT: đất ở tại đô thị / nông thôn); the rest of the mix follows the
    # commune type (a city has more wards, so more urban land).
    ward = wards[ci]
    # Text columns as indices into small pools, gathered by polars (no numpy strings per row).
    uses = sorted({*_URBAN, *_RURAL})
    use = np.empty(n, dtype=np.int64)
    for is_ward, mix in ((True, _URBAN), (False, _RURAL)):
        keys = [k for k in mix if k != ("ONT" if is_ward else "ODT")]
        w = np.array([mix[k] for k in keys], dtype=float)
        rows = np.flatnonzero(ward == is_ward)
        use[rows] = np.array([uses.index(k) for k in keys])[categorical(rng, w, rows.size)]
    residential = np.isin(np.array(uses), ["ODT", "ONT", "TMD"])[use]
    area = np.round(np.maximum(rng.lognormal(np.where(residential, 4.6, 7.2), 0.8), 12.0), 2)
    # In order of commune (codes are sorted), map sheet and a random draw; parcels numbered
    # 1..n on each sheet of each commune.
    order = by_key_then_random(ci * (_SHEETS + 1) + sheet, len(communes) * (_SHEETS + 1), rng.random(n))
    ci, sheet, area, use = ci[order], sheet[order], area[order], use[order]
    key = ci * (_SHEETS + 1) + sheet
    new_sheet = np.ones(n, dtype=bool)
    new_sheet[1:] = key[1:] != key[:-1]
    at = np.arange(n)
    parcel = at - np.maximum.accumulate(np.where(new_sheet, at, 0)) + 1
    # Block ``block`` of ``blocks`` (generators/blocks.py): its n-th parcel of a map sheet is
    # numbered (n - 1) * blocks + block + 1, unique across blocks without looking at them and
    # still small (a sheet's numbers interleave across blocks); the address names it too.
    parcel = (parcel - 1) * blocks + block + 1
    upd = (days(as_of) - rng.integers(1, 900, n)) * 86_400 + rng.integers(8 * 3600, 17 * 3600, n)
    # Text of few distinct values gathered from pools (sheets, communes), the rest written once.
    sheets, geometry, scans = _pools(province)
    sheet_s, parcel_s = sheets[0].gather(sheet), pl.Series(parcel).cast(pl.Utf8)
    address = ("Thửa " + parcel_s) + sheets[2].gather(sheet) + tails.gather(ci)  # (adds: ~25 % cheaper than concat_str)
    commune_s = codes.gather(ci)
    # The other two of the three components (official-criteria F10): the parcel's spatial
    # record and its scanned dossier, both named by commune, sheet and parcel (unique
    # across blocks, as the numbers are; no personal data): KG-<commune>-<sheet, 3 digits>-<parcel, 6 digits>.
    where = sheets[1].gather(sheet) + (pl.Series(parcel) + 10**6).cast(pl.Utf8).str.slice(1)
    geometry_ref, scan_ref = geometry.gather(ci) + where, scans.gather(ci) + where + ".pdf"
    return pl.DataFrame(
        {
            "commune_code": commune_s,
            "map_sheet_no": sheet_s,
            "parcel_no": parcel_s,
            "area_m2": area,
            "land_use_code": pl.Series(uses, dtype=pl.Utf8).gather(use),
            "address": address,
            "updated_at": pl.Series(upd * 1_000_000).cast(pl.Datetime("us")),
            "geometry_ref": geometry_ref,
            "scan_ref": scan_ref,
        }
    )


def generate_certificates(
    rng,
    parcels: pl.DataFrame,
    pop: pl.DataFrame,
    as_of: dt.date,
    exclude_ids: set[str] = frozenset(),
    serials: Serials | None = None,
) -> pl.DataFrame:
    """``serials``: for block ``block`` of a province of ``blocks``, whose certificates take
    their numbers from ``blocks.unique_serials``."""
    k = round(parcels.height * CERTIFIED_SHARE)
    pi = np.sort(rng.choice(parcels.height, size=k, replace=False))
    dob = pop["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64)
    adult_at = dob + 18 * 366
    ok = pop["date_of_death"].is_null().to_numpy() & (adult_at < days(as_of) - 30)
    if exclude_ids:  # (a pass over every ID otherwise)
        ok &= ~pop["person_id"].is_in(list(exclude_ids)).to_numpy()
    owners = np.flatnonzero(ok)[rng.integers(0, int(ok.sum()), k)]
    lo = np.maximum(adult_at[owners], days(dt.date(1995, 1, 1)))
    issue = lo + (rng.random(k) * (days(as_of) - 1 - lo)).astype(np.int64)

    # Serial by era of the issue date; numbers drawn without replacement, so all unique.
    numbers = rng.choice(10**6, size=k, replace=False)
    first, second = rng.integers(0, len(_LETTERS), k), rng.integers(0, len(_LETTERS), k)
    # The form lawful on the issue date; in the 2024 transition (both forms in use) either.
    lawful = np.stack([(issue >= days(lo)) & (issue < days(hi)) for lo, hi, _ in SERIAL_ERAS], axis=1)
    era = np.where(
        lawful.sum(axis=1) > 1, np.where(rng.random(k) < 0.5, lawful.argmax(axis=1), len(SERIAL_ERAS) - 1), lawful.argmax(axis=1)
    )
    head = np.where(era == 0, first, len(_LETTERS) * (1 + first) + second)  # into _serial_heads()
    upd_d = np.maximum(issue + 1, days(as_of) - rng.integers(1, 1000, k))
    upd = np.minimum(upd_d, days(as_of) - 1) * 86_400 + rng.integers(8 * 3600, 17 * 3600, k)

    # One certificate may cover several parcels (domain.md §Land): a row joins the
    # certificate of the row before it (same serial, issue date, holder, last change).
    joins = np.zeros(k, dtype=bool)
    joins[1:] = rng.random(k - 1) < MULTI_PARCEL_SHARE
    # A run of joining rows all copy the row that starts it (no loop over rows).
    start = np.maximum.accumulate(np.where(joins, 0, np.arange(k)))
    if serials is not None:  # each certificate's number drawn for this block, unique within its form
        firsts = np.flatnonzero(~joins)
        form = _form_ranks()[2 * head[firsts] + (era[firsts] == 2)]
        numbers[firsts] = unique_serials(serials.rng, np.unique(form, return_inverse=True)[1], serials.block, serials.blocks)
    # "A 123456" (era 0), "AB 123456", "AB 06123456": the head from every form's heads made
    # once, the number written once with its leading zeros (three forms joined per row and
    # one picked cost ~3x more)
    number = pl.Series(numbers + np.where(era == 2, 10**8 + 6_000_000, 10**6)).cast(pl.Utf8).str.slice(1)
    serial = (_serial_heads().gather(head) + number).gather(start)
    issue, owners, upd = issue[start], owners[start], upd[start]
    grouped = joins | np.concatenate([joins[1:], [False]])
    # Co-owners (spouses, family) of a one-parcel certificate: a second row, same serial and parcel.
    # Five tries each at once: the first living adult, not the owner, adult on the issue date.
    pool = np.flatnonzero(ok)
    co = np.flatnonzero(~grouped & (rng.random(k) < CO_OWNER_SHARE))
    tries = pool[rng.integers(0, pool.size, (co.size, 5))]
    fits = (tries != owners[co, None]) & (adult_at[tries] <= issue[co, None])
    found = fits.any(axis=1)
    co_rows, co_people = co[found], tries[found, fits[found].argmax(axis=1)]
    at = np.concatenate([np.arange(k), co_rows])  # row each line copies
    who = np.concatenate([owners, co_people])
    order = np.lexsort((np.arange(at.size), at))  # each co-owner right after its certificate's row
    at, who = at[order], who[order]
    chosen = parcels.select("commune_code", "map_sheet_no", "parcel_no")[pi[at]]  # (not every column)
    # Organisations hold some one-parcel certificates: no personal ID, no date of birth.
    single = np.bincount(at, minlength=k)[at] == 1
    org = single & ~grouped[at] & (rng.random(at.size) < ORGANISATION_SHARE)
    # The same draws as rng.choice(_ORG_NAMES, n), gathered from names built once.
    org_names = pl.Series([f"Công ty TNHH {x}" for x in _ORG_NAMES], dtype=pl.Utf8).gather(
        rng.integers(0, len(_ORG_NAMES), at.size)
    )
    person = nullable(who, ~org, pl.UInt32)  # a null index gathers a null: none for an organisation

    return pl.DataFrame(
        {
            "certificate_serial": serial.gather(at),
            "commune_code": chosen["commune_code"],
            "map_sheet_no": chosen["map_sheet_no"],
            "parcel_no": chosen["parcel_no"],
            "issue_date": dates(issue[at]),
            "owner_person_id": pop["person_id"].gather(person),
            "owner_name": pop["full_name"].gather(person).scatter(np.flatnonzero(org), org_names.filter(pl.Series(org))),
            "owner_date_of_birth": pop["date_of_birth"].gather(person),
            "updated_at": pl.Series(upd[at] * 1_000_000).cast(pl.Datetime("us")),
            "holder_type": pl.Series(["Cá nhân", "Tổ chức"], dtype=pl.Utf8).gather(org.astype(np.int64)),
        }
    )
