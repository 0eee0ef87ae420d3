"""Civil-registry defects (birth, death, marriage). Population persons newly pulled into
a record by a defect (a minor husband, a dead spouse) are taken from rows no other
defect touched, and protected afterwards."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import polars as pl

from ddss.admin_units import REFORM_DATE
from generators.dates import dates, days
from generators.defects.helpers import fresh_ids, may_be_among, pre_reform_codes, taken_ids, unreferenced
from generators.defects.plan import Plan
from generators.dossiers import scan_name

__all__ = ["apply"]


def _pop_rows(plan: Plan, ids: pl.Series) -> np.ndarray:
    """Population row of each ID (all present in the clean data)."""
    pop = plan.frames["population"].select("person_id").with_row_index("_r")
    pop = pop.filter(may_be_among("person_id", ids))  # then joined on the IDs themselves
    found = pl.DataFrame({"person_id": ids}).with_row_index("_i").join(pop, on="person_id", how="left")
    return found.sort("_i")["_r"].to_numpy().astype(np.int64)


def apply(plan: Plan) -> None:
    _marriages(plan)  # first: they protect the deceased they use
    _births(plan)
    _deaths(plan)


def _births(plan: Plan) -> None:
    ds, b = "birth", plan.frames["birth"]
    if b.is_empty():
        return
    as_of: dt.date = plan.context["as_of"]
    dob = b["child_date_of_birth"]
    dob_d = dob.cast(pl.Int32).to_numpy()

    rows = plan.pick(ds, "birth.child_not_in_population")
    taken = taken_ids(plan.frames)
    plan.update(
        ds,
        rows,
        "child_person_id",
        fresh_ids(plan.rng("birth.child"), b["child_person_id"].gather(rows).to_list(), taken, plan.context.get("id_residue")),
    )
    plan.record(ds, rows, "birth.child_not_in_population", "số định danh của trẻ không có trong dân cư")

    rows = plan.pick(ds, "birth.mother_mismatch")
    shift = plan.rng("birth.mother").choice([-2, -1, 1, 2], rows.size)
    plan.update(ds, rows, "mother_birth_year", (b["mother_birth_year"].gather(rows).to_numpy() + shift).tolist())
    plan.record(ds, rows, "birth.mother_mismatch", "năm sinh của mẹ khác dân cư")

    rows = plan.pick(ds, "birth.registered_before_birth")
    before = dob_d[rows] - plan.rng("birth.before").integers(1, 20, rows.size)
    plan.update(ds, rows, "registration_date", dates(before))
    plan.record(ds, rows, "birth.registered_before_birth", "ngày đăng ký trước ngày sinh")

    room = days(as_of) - dob_d
    rows = plan.pick(ds, "birth.late_registration", room > 61)
    late = dob_d[rows] + 61 + (plan.rng("birth.late").random(rows.size) * np.minimum(room[rows] - 61, 300)).astype(np.int64)
    plan.update(ds, rows, "registration_date", dates(late))
    plan.record(ds, rows, "birth.late_registration", "đăng ký khai sinh quá 60 ngày")

    # Book defects only on a book's last entry, one defect per book: a repeat never leaves
    # a gap and a skip never makes a repeat.
    book = b.select(
        (pl.col("entry_no") == pl.col("entry_no").max().over("registering_commune_code", "register_book")).alias("last"),
        pl.col("entry_no"),
    )
    last = book["last"].to_numpy()
    rows = plan.pick(ds, "birth.entry_repeated", last & (book["entry_no"].to_numpy() >= 2))
    plan.update(ds, rows, "entry_no", (b["entry_no"].gather(rows).to_numpy() - 1).tolist())
    plan.record(ds, rows, "birth.entry_repeated", "số thứ tự lặp lại số liền trước")
    _protect_books(plan, ds, rows)
    rows = plan.pick(ds, "birth.entry_gap", last)
    plan.update(
        ds, rows, "entry_no", (b["entry_no"].gather(rows).to_numpy() + plan.rng("birth.gap").integers(2, 4, rows.size)).tolist()
    )
    plan.record(ds, rows, "birth.entry_gap", "nhảy số thứ tự trong sổ")

    old = pre_reform_codes(plan.context["province"])
    if old:
        rows = plan.pick(ds, "birth.place_of_birth_pre_reform")
        plan.update(ds, rows, "place_of_birth", [old[int(i)] for i in plan.rng("birth.pre").integers(0, len(old), rows.size)])
        plan.record(ds, rows, "birth.place_of_birth_pre_reform", "nơi sinh mang mã xã trước sắp xếp")

    plan.blank(ds, "birth.missing_mother_name", "mother_name", "họ tên mẹ để trống")
    _scan_missing(plan, ds)


def _scan_missing(plan: Plan, ds: str) -> None:
    """An entry digitised without its scanned dossier (official-criteria F8): a warning."""
    if "scan_ref" not in plan.frames[ds].columns:
        return
    plan.blank(ds, f"{ds}.scan_ref_missing", "scan_ref", "thiếu tệp bản quét hồ sơ")


def _protect_books(plan: Plan, ds: str, rows: np.ndarray) -> None:
    df = plan.frames[ds]
    keys = set(df.select("registering_commune_code", "register_book")[rows.tolist()].iter_rows())
    same = (
        df.select(
            pl.struct("registering_commune_code", "register_book")
            .is_in([dict(registering_commune_code=k[0], register_book=k[1]) for k in keys])
            .alias("x")
        )["x"].to_numpy()
        if keys
        else None
    )
    if same is not None:
        plan.protect(ds, np.flatnonzero(same))


def _deaths(plan: Plan) -> None:
    ds, d = "death", plan.frames["death"]
    if d.is_empty():
        return
    as_of: dt.date = plan.context["as_of"]
    pop_rows = _pop_rows(plan, d["person_id"])
    pop_free = np.isin(pop_rows, plan.free("population"))

    # Only people whose population row is recent: an old row made "alive" would also be stale.
    pop_upd = plan.frames["population"]["updated_at"].dt.date().cast(pl.Int32).to_numpy()[pop_rows]
    recent = pop_upd > days(as_of) - plan.context.get("fresh_days", {}).get("population", 365) + 5
    rows = plan.pick(ds, "death.alive_in_population", pop_free & recent)
    plan.protect("population", pop_rows[rows])
    plan.update("population", pop_rows[rows], "date_of_death", [None] * rows.size)
    plan.record(ds, rows, "death.alive_in_population", "dân cư chưa ghi ngày mất")

    dod = d["date_of_death"].cast(pl.Int32).to_numpy()
    room = days(as_of) - dod
    rows = plan.pick(ds, "death.late_registration", room > 17)
    late = dod[rows] + 16 + (plan.rng("death.late").random(rows.size) * np.minimum(room[rows] - 17, 200)).astype(np.int64)
    plan.update(ds, rows, "registration_date", dates(late))
    plan.record(ds, rows, "death.late_registration", "đăng ký khai tử quá 15 ngày")

    rows = plan.pick(ds, "death.name_mismatch")
    others = plan.frames["population"]["full_name"].drop_nulls().sample(rows.size, seed=plan.seed, with_replacement=True)
    current = d["full_name"].gather(rows).to_list()
    # Another person's name, in NFC and spaced as a name should be (only the name differs).
    others = [unicodedata.normalize("NFC", " ".join(o.split())) for o in others.to_list()]
    plan.update(ds, rows, "full_name", [o if o != c else c + " Văn" for o, c in zip(others, current, strict=True)])
    plan.record(ds, rows, "death.name_mismatch", "họ tên khác dân cư")
    _scan_missing(plan, ds)


def _marriages(plan: Plan) -> None:
    ds, m = "marriage", plan.frames["marriage"]
    if m.is_empty():
        return
    as_of: dt.date = plan.context["as_of"]
    pop = plan.frames["population"]
    free = np.zeros(pop.height, dtype=bool)
    free[plan.free("population")] = True
    unref = free & unreferenced(plan.frames)
    dob = pop["date_of_birth"].cast(pl.Int32).to_numpy()
    dod = pop["date_of_death"].cast(pl.Int32).fill_null(10**7).to_numpy()
    male = (pop["sex"] == "Nam").to_numpy()
    reg = m["registration_date"].cast(pl.Int32).to_numpy()
    rng = plan.rng("marriage.people")

    # Defects change post-2015 marriages between two residents, neither divorced nor married
    # twice in the batch: the lawful look-alikes (older law, divorce and remarriage, a foreign
    # wife) stay as generated and must raise nothing.
    parties = pl.concat([m["husband_person_id"], m["wife_person_id"]]).drop_nulls()
    twice = parties.filter(parties.is_duplicated()).unique().implode()
    plain = (
        (m["registration_date"] >= dt.date(2015, 1, 1)).to_numpy()
        & m["husband_person_id"].is_not_null().to_numpy()
        & m["wife_person_id"].is_not_null().to_numpy()
        & m["divorce_date"].is_null().to_numpy()
        & ~m["husband_person_id"].is_in(twice).fill_null(False).to_numpy()
        & ~m["wife_person_id"].is_in(twice).fill_null(False).to_numpy()
    )
    plan.protect(ds, np.flatnonzero(~plain))

    def swap_in(kind: str, role: str, among: np.ndarray, born, fits, detail: str) -> None:
        """Replace one party of picked marriages with a population person fitting the defect:
        one of ``among`` (a mask) for whom ``fits(registration day, rows)`` holds. Tested only
        on those born within ``born(day)`` (bounds around what ``fits`` allows, found by
        bisection), in row order: the same candidates as a mask over everyone."""
        rows = plan.pick(ds, kind)
        pool = np.flatnonzero(among)
        pool = pool[np.argsort(dob[pool], kind="stable")]
        births = dob[pool]
        done, people = [], []
        for r in rows:
            lo, hi = born(reg[r])
            near = np.sort(pool[np.searchsorted(births, lo, "left") : np.searchsorted(births, hi, "right")])
            cand = near[fits(reg[r], near)]
            if cand.size == 0:
                continue
            p = int(cand[rng.integers(cand.size)])
            unref[p] = free[p] = False
            done.append(int(r))
            people.append(p)
        plan.protect("population", people)
        idx = np.array(done, dtype=np.int64)
        for col, src in (("person_id", "person_id"), ("name", "full_name"), ("date_of_birth", "date_of_birth")):
            plan.update(ds, idx, f"{role}_{col}", pop[src].gather(people))
        plan.record(ds, done, kind, detail)

    year = 365.2425
    alive = dod > 10**6
    swap_in(
        "marriage.under_age",
        "husband",
        unref & male & alive,
        lambda d: (d - 19.9 * year - 2, d - 16 * year + 2),
        lambda d, i: unref[i] & (d - dob[i] >= 16 * year) & (d - dob[i] < 19.9 * year),
        "chồng chưa đủ 20 tuổi",
    )
    # Dead men whom only their own death record references (computed once, not per row).
    only_death = unreferenced(plan.frames, skip=("death",))
    swap_in(
        "marriage.spouse_dead",
        "husband",
        free & male & only_death & ~alive,  # ~alive: what fits asks first, known once
        lambda d: (-(10**7), d - 21 * year + 2),
        lambda d, i: free[i] & (dod[i] < d) & (d - dob[i] >= 21 * year),
        "chồng đã chết trước ngày đăng ký",
    )

    # Already married: the husband of an earlier marriage marries again, later.
    # On marriages since the reform: an older one (the generator registers parents' marriages
    # back to the 1990s) would put the new wife under age or the book on a closed code.
    # The new marriage falls while both of the first marriage live: after the husband's death
    # it would also be marriage.spouse_dead; after the first wife's, a lawful remarriage.
    # The earliest death recorded under each party's ID, from the population rows of married
    # persons only (the rest cannot change it): husbands first, then wives.
    party = pl.concat([m["husband_person_id"], m["wife_person_id"]]).alias("person_id")
    deaths = (
        pop.select("person_id", pl.col("date_of_death").cast(pl.Int32).alias("_dod"))
        .filter(may_be_among("person_id", party))  # then grouped and joined on the IDs themselves
        .group_by("person_id")
        .agg(pl.col("_dod").min())
    )
    died = party.to_frame().join(deaths, on="person_id", how="left", maintain_order="left")["_dod"].fill_null(10**7).to_numpy()
    until = np.minimum(np.minimum(died[: m.height], died[m.height :]), days(as_of))
    since = (reg <= until - 5) & (reg >= days(REFORM_DATE))
    rows = plan.pick(ds, "marriage.already_married", since, n=plan.count(ds))
    women = np.flatnonzero(unref & ~male & (dod > 10**6) & (days(as_of) - dob > 21 * year) & (days(as_of) - dob < 45 * year))
    wives = rng.choice(women, size=min(rows.size, women.size), replace=False)
    # The last entry of each book (one pass; a book of no numbered entry counts from 0).
    last = m.group_by("registering_commune_code", "register_book").agg(pl.col("entry_no").max())
    books: dict[tuple[str, str], int] = {(c, k): int(e or 0) for c, k, e in last.iter_rows()}
    pairs = list(zip(rows.tolist(), wives.tolist(), strict=False))
    husbands = m.select("registering_commune_code", "husband_person_id", "husband_name", "husband_date_of_birth")
    husbands = husbands[[r for r, _ in pairs]].rows() if pairs else []
    brides = pop.select("person_id", "full_name", "date_of_birth")[[w for _, w in pairs]].rows() if pairs else []
    new = []
    for (r, w), (commune, h_id, h_name, h_dob), (w_id, w_name, w_dob) in zip(pairs, husbands, brides, strict=True):
        unref[w] = free[w] = False
        plan.protect("population", [w])
        day = int(reg[r] + rng.integers(1, until[r] - reg[r]))
        date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
        key = (commune, f"{date.year}/KH")
        books[key] = books.get(key, 0) + 1
        new.append(
            {
                "register_book": key[1],
                "entry_no": books[key],
                "registration_date": date,
                "registering_commune_code": key[0],
                "husband_person_id": h_id,
                "husband_name": h_name,
                "husband_date_of_birth": h_dob,
                "wife_person_id": w_id,
                "wife_name": w_name,
                "wife_date_of_birth": w_dob,
                "updated_at": dt.datetime.combine(date, dt.time(10)),
                **({"scan_ref": scan_name(key[0], key[1], books[key])} if "scan_ref" in m.columns else {}),
            }
        )
    if new:
        idx = plan.append(ds, pl.DataFrame(new, schema=m.schema))
        plan.record(ds, idx, "marriage.already_married", "kết hôn lần nữa khi đang có vợ")
    _scan_missing(plan, ds)
