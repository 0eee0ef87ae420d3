"""Land defects (parcels and certificates).

A parcel that a certificate points at keeps its key, code and commune unless the defect
is meant to show on both (a legacy land-use code on a parcel certified after the code
was abolished is recorded once per dataset). Certificate owners newly pulled in (a
deceased person) come from population rows no other defect touched.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ddss.rules.land import LEGACY_CODES, LEGACY_UNTIL, SERIAL_ERAS
from generators.dates import dates, days, timestamps
from generators.defects.helpers import fresh_ids, pre_reform_codes, taken_ids
from generators.defects.plan import Plan

__all__ = ["apply"]

_REFORM = dt.date(2025, 7, 1)
_DEFAULT_FRESH = {"parcel": 1095, "certificate": 1095}
_KEY = ("commune_code", "map_sheet_no", "parcel_no")


def apply(plan: Plan) -> None:
    if plan.frames["parcel"].is_empty():
        return
    # Certificates of several rows (several parcels, co-owners) are the lawful look-alikes of
    # a duplicate serial: no defect touches them, so they prove the rule raises nothing.
    c = plan.frames["certificate"]
    if not c.is_empty():
        plan.protect("certificate", np.flatnonzero(c["certificate_serial"].is_duplicated().to_numpy()))
        # and so are organisations as holders (no personal ID, no date of birth: lawful)
        plan.protect("certificate", np.flatnonzero(c["owner_person_id"].is_null().to_numpy()))
    # Each certificate's parcel row: no defect below moves a parcel key before _parcels reads it.
    prow = _parcel_rows_of_certificates(plan) if not c.is_empty() else np.zeros(0, dtype=np.int64)
    _linked_outdated(plan, prow)  # first: it needs certified parcels that nothing else touched
    _parcels(plan, prow)
    _certificates(plan)


def _fresh(plan: Plan, ds: str) -> int:
    return plan.context.get("fresh_days", {}).get(ds, _DEFAULT_FRESH[ds])


def _parcel_rows_of_certificates(plan: Plan) -> np.ndarray:
    """For each certificate, the row of its parcel (all exist in the clean data)."""
    p = plan.frames["parcel"].select(*_KEY)
    c = plan.frames["certificate"].select(*_KEY)
    # A parcel's key is unique: one row per certificate, in the certificates' order. Joined
    # on one 64-bit hash of the key (7 against 12 ms per 250 000 persons), then every
    # certificate's key compared with its parcel's: a shared hash cannot pass unnoticed.
    # Only without nulls: a null key part has a hash, and would match by it, but joins nothing.
    if not any(df.null_count().sum_horizontal().item() for df in (p, c)):
        key = pl.struct(*_KEY).hash().alias("_h")
        found = c.select(key).join(p.select(key).with_row_index("_p"), on="_h", how="left", maintain_order="left")["_p"]
        if found.len() == c.height and not found.null_count():
            rows = found.to_numpy().astype(np.int64)
            if p[rows].equals(c):
                return rows
    p = p.with_row_index("_p")
    return c.join(p, on=list(_KEY), how="left", maintain_order="left")["_p"].to_numpy().astype(np.int64)


def _linked_outdated(plan: Plan, prow: np.ndarray) -> None:
    """A certificate issued since 1 Aug 2024 for a parcel still coded BHK/NHK: wrong on both."""
    c, p = plan.frames["certificate"], plan.frames["parcel"]
    if c.is_empty():
        return
    p_upd = p["updated_at"].dt.date().cast(pl.Int32).to_numpy()
    parcel_free = np.isin(prow, plan.free("parcel"))
    ok = (c["issue_date"] >= LEGACY_UNTIL).to_numpy() & parcel_free & (p_upd[prow] >= days(LEGACY_UNTIL))
    rows = plan.pick("certificate", "certificate.land_use_outdated", ok, n=max(1, plan.count("certificate") // 2))
    codes = plan.rng("land.legacy").choice(LEGACY_CODES, rows.size)
    plan.protect("parcel", prow[rows])
    plan.update("parcel", prow[rows], "land_use_code", codes.tolist())
    plan.record("certificate", rows, "certificate.land_use_outdated", "cấp sau 01/08/2024 cho thửa còn mã BHK/NHK")
    plan.record("parcel", prow[rows], "parcel.land_use_outdated", "mã BHK/NHK trên bản ghi cập nhật sau 01/08/2024")


def _parcels(plan: Plan, prow: np.ndarray) -> None:
    ds, p = "parcel", plan.frames["parcel"]
    as_of: dt.date = plan.context["as_of"]
    certified = np.zeros(p.height, dtype=bool)
    certified[prow] = True
    unlinked = ~certified
    upd = p["updated_at"].dt.date().cast(pl.Int32).to_numpy()

    rows = plan.pick(ds, "parcel.area_nonpositive")
    plan.update(
        ds, rows, "area_m2", plan.rng("parcel.area").choice([0.0, -1.0], rows.size) * p["area_m2"].gather(rows).to_numpy()
    )
    plan.record(ds, rows, "parcel.area_nonpositive", "diện tích bằng 0 hoặc âm")

    # Duplicates: the same parcel sent twice, once verbatim and once with "TP." for "Thành phố".
    src = plan.pick(ds, "parcel.duplicate_key")
    copies = p[src.tolist()].with_columns(
        pl.when(pl.Series(np.arange(src.size) % 2 == 1))
        .then(pl.col("address").str.replace("Thành phố ", "TP. ", literal=True))
        .otherwise(pl.col("address"))
    )
    plan.record(ds, plan.append(ds, copies), "parcel.duplicate_key", "thửa gửi hai lần (y hệt hoặc 'TP.')")

    rows = plan.pick(ds, "parcel.land_use_unknown")
    plan.update(ds, rows, "land_use_code", plan.rng("parcel.unknown").choice(["LUA", "ONN", "XYZ", "DAT"], rows.size).tolist())
    plan.record(ds, rows, "parcel.land_use_unknown", "mã loại đất không có trong danh mục")

    recent = upd >= days(LEGACY_UNTIL)
    rows = plan.pick(ds, "parcel.land_use_outdated", unlinked & recent)
    plan.update(ds, rows, "land_use_code", plan.rng("parcel.legacy").choice(LEGACY_CODES, rows.size).tolist())
    plan.record(ds, rows, "parcel.land_use_outdated", "mã BHK/NHK trên bản ghi cập nhật sau 01/08/2024")

    old = pre_reform_codes(plan.context["province"])
    if old:
        # Only parcels no certificate points at (the certificate would lose its parcel), and
        # codes drawn so that no two picked parcels end up with the same key.
        rows = plan.pick(ds, "parcel.commune_code_pre_reform", unlinked & (upd >= days(_REFORM)))
        codes = [old[int(i)] for i in plan.rng("parcel.pre").integers(0, len(old), rows.size)]
        keys = list(zip(codes, p["map_sheet_no"].gather(rows).to_list(), p["parcel_no"].gather(rows).to_list(), strict=True))
        seen: set[tuple] = set()
        keep = [i for i, k in enumerate(keys) if not (k in seen or seen.add(k))]
        rows = rows[keep]
        plan.update(ds, rows, "commune_code", [codes[i] for i in keep])
        plan.record(ds, rows, "parcel.commune_code_pre_reform", "mã xã trước sắp xếp trên bản ghi cập nhật sau 01/7/2025")

    rows = plan.pick(ds, "parcel.stale")
    stale = days(as_of) - _fresh(plan, ds) - plan.rng("parcel.stale").integers(20, 400, rows.size)
    plan.update(ds, rows, "updated_at", timestamps(stale))
    plan.record(ds, rows, "parcel.stale", "ngày cập nhật quá hạn")

    rows = plan.pick(ds, "parcel.address_spacing")
    addr = p["address"].gather(rows).to_list()
    plan.update(ds, rows, "address", [a.replace(", ", ",  ", 1) if i % 2 else a + " " for i, a in enumerate(addr)])
    plan.record(ds, rows, "parcel.address_spacing", "địa chỉ có khoảng trắng thừa")

    plan.blank(ds, "parcel.missing_land_use_code", "land_use_code", "mã loại đất để trống")

    # A parcel without one of F10's three components: a warning, and not group 1.
    for column, detail in (("geometry_ref", "thiếu mã dữ liệu không gian"), ("scan_ref", "thiếu tệp hồ sơ quét")):
        if column in p.columns:
            plan.blank(ds, f"parcel.{column}_missing", column, detail)


def _form(serials: pl.Series) -> np.ndarray:
    """Which serial form (index into SERIAL_ERAS) each serial has; -1 for none."""
    out = np.full(serials.len(), -1)
    for i, (_, _, regex) in enumerate(SERIAL_ERAS):
        out[serials.str.contains(regex).fill_null(False).to_numpy()] = i
    return out


def _certificates(plan: Plan) -> None:
    ds, c = "certificate", plan.frames["certificate"]
    if c.is_empty():
        return
    as_of: dt.date = plan.context["as_of"]
    issue = c["issue_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    era = _form(c["certificate_serial"])  # a serial of the same form is lawful on the same issue date

    rows = plan.pick(ds, "certificate.serial_format")
    plan.update(ds, rows, "certificate_serial", [s.replace(" ", "") for s in c["certificate_serial"].gather(rows).to_list()])
    plan.record(ds, rows, "certificate.serial_format", "số phát hành thiếu khoảng trắng")

    # Duplicate serial: a later row reuses the serial of an earlier certificate of the same era.
    rows = plan.pick(ds, "certificate.duplicate_serial")
    free = plan.free(ds)
    by_era = {e: free[era[free] == e] for e in np.unique(era)}  # sorted free rows per era
    rng = plan.rng("certificate.dup")
    owners = c["owner_person_id"]
    owner_hash = owners.hash().to_numpy()  # compared first: the texts only where the hashes agree
    used: set[int] = set()
    done, sources = [], []
    for r in rows:
        cand = by_era[era[r]]
        cand = cand[: np.searchsorted(cand, r)]  # earlier rows only
        for _ in range(8):  # a few draws; a source already used is simply skipped
            if cand.size == 0:
                break
            s = int(cand[rng.integers(cand.size)])
            # Another certificate: another issue date or another holder (one serial may
            # lawfully cover several parcels of the same holders on the same day).
            same = issue[s] == issue[r] and owner_hash[s] == owner_hash[r] and owners[s] == owners[r]
            if s not in used and not same:
                used.add(s)
                done.append(int(r))
                sources.append(s)
                break
    plan.protect(ds, sources)
    plan.update(ds, np.array(done, dtype=np.int64), "certificate_serial", c["certificate_serial"].gather(sources))
    plan.record(ds, done, "certificate.duplicate_serial", "số phát hành trùng giấy khác")

    rows = plan.pick(ds, "certificate.owner_mismatch")
    dob = c["owner_date_of_birth"].cast(pl.Int32).to_numpy()
    earlier = dob[rows] - plan.rng("certificate.dob").integers(1, 400, rows.size)
    plan.update(ds, rows, "owner_date_of_birth", dates(earlier))
    plan.record(ds, rows, "certificate.owner_mismatch", "ngày sinh chủ sử dụng khác dân cư")

    rows = plan.pick(ds, "certificate.owner_not_in_population")
    taken = taken_ids(plan.frames)
    ids = fresh_ids(
        plan.rng("certificate.fresh"), c["owner_person_id"].gather(rows).to_list(), taken, plan.context.get("id_residue")
    )
    plan.update(ds, rows, "owner_person_id", ids)
    plan.record(ds, rows, "certificate.owner_not_in_population", "số định danh chủ sử dụng không có trong dân cư")

    _owner_dead(plan, issue)

    rows = plan.pick(ds, "certificate.parcel_missing")
    # "9…9", moved up into this block's class of parcel numbers (land.generate_parcels) so no
    # other block can have it; this block's own parcels are looked up (one block: unchanged).
    block, blocks = plan.context.get("id_residue") or (0, 1)
    num = np.array([int("9" + n + "9") for n in c["parcel_no"].gather(rows).to_list()], dtype=np.int64)
    num += (block - (num - 1)) % blocks
    wanted = c.select("commune_code", "map_sheet_no").gather(rows).with_columns(parcel_no=pl.Series(num).cast(pl.Utf8))
    parcels = plan.frames["parcel"].select("commune_code", "map_sheet_no", "parcel_no")
    parcels = parcels.filter(pl.col("parcel_no").is_in(wanted["parcel_no"].implode()))  # the few that can match
    found = wanted.with_row_index("_i").join(parcels, on=wanted.columns, how="semi")["_i"].to_numpy()
    free = ~np.isin(np.arange(rows.size), found)
    rows, num = rows[free], num[free]
    plan.update(ds, rows, "parcel_no", [str(v) for v in num])
    plan.record(ds, rows, "certificate.parcel_missing", "số thửa không có trong dữ liệu thửa đất")

    # Future issue date, only within the current serial era so the serial stays valid.
    rows = plan.pick(ds, "certificate.future_date", era == len(SERIAL_ERAS) - 1)
    future = days(as_of) + plan.rng("certificate.future").integers(2, 90, rows.size)
    plan.update(ds, rows, "issue_date", dates(future))
    plan.record(ds, rows, "certificate.future_date", "ngày cấp sau ngày tham chiếu")

    rows = plan.pick(ds, "certificate.stale")
    stale = days(as_of) - _fresh(plan, ds) - plan.rng("certificate.stale").integers(20, 400, rows.size)
    stale = np.maximum(stale, issue[rows])  # never before the issue date
    keep = stale < days(as_of) - _fresh(plan, ds)
    rows, stale = rows[keep], stale[keep]
    plan.update(ds, rows, "updated_at", timestamps(stale))
    plan.record(ds, rows, "certificate.stale", "ngày cập nhật quá hạn")

    plan.blank(ds, "certificate.missing_certificate_serial", "certificate_serial", "số phát hành để trống")


def _owner_dead(plan: Plan, issue: np.ndarray) -> None:
    """Give a certificate to a person who had died before its issue date (adult when alive)."""
    ds, pop = "certificate", plan.frames["population"]
    free = np.zeros(pop.height, dtype=bool)
    free[plan.free("population")] = True
    dob = pop["date_of_birth"].cast(pl.Int32).to_numpy()
    dod = pop["date_of_death"].cast(pl.Int32).fill_null(10**7).to_numpy()
    dead_adult = np.flatnonzero(free & (dod < 10**6) & (dod - dob > 19 * 366))
    rows = plan.pick(ds, "certificate.owner_dead")
    rng = plan.rng("certificate.dead")
    done, people = [], []
    # Positions in dead_adult (all free at first), so each row tests one small array.
    died, still = dod[dead_adult], np.ones(dead_adult.size, dtype=bool)
    for r in rows:
        cand = np.flatnonzero((died < issue[r]) & still)
        if cand.size == 0:
            continue
        k = cand[rng.integers(cand.size)]
        still[k] = False
        done.append(int(r))
        people.append(int(dead_adult[k]))
    plan.protect("population", people)
    idx = np.array(done, dtype=np.int64)
    for col, src in (("owner_person_id", "person_id"), ("owner_name", "full_name"), ("owner_date_of_birth", "date_of_birth")):
        plan.update(ds, idx, col, pop[src].gather(people))
    plan.record(ds, done, "certificate.owner_dead", "chủ sử dụng đã chết trước ngày cấp")
