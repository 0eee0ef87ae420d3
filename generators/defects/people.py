"""Population defects. Each hits rows nobody else references (an ID, name or date changed
there would otherwise also break the birth, death, marriage or certificate pointing at
it) and triggers exactly the check named by its kind."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import polars as pl

from ddss import admin_units
from generators.dates import days, timestamps
from generators.defects.helpers import among, nfd_differs, pre_reform_codes, unreferenced
from generators.defects.plan import Plan

__all__ = ["apply"]

DS = "population"


def apply(plan: Plan) -> None:
    pop = plan.frames[DS]
    unref = unreferenced(plan.frames)
    living = pop["date_of_death"].is_null().to_numpy()
    as_of: dt.date = plan.context["as_of"]
    age_days = days(as_of) - pop["date_of_birth"].cast(pl.Int32).to_numpy()
    ids = pop["person_id"]
    given: list[pl.Series] = []  # IDs the changes below have handed out so far

    def change_id(kind: str, fn, detail: str) -> None:
        rows = plan.pick(DS, kind, unref)
        new = fn(ids.gather(rows)).cast(pl.Utf8)
        # Never another person's ID, nor one an earlier change handed out (possible in a
        # province made in blocks, whose serials are unique per 6-digit prefix only): that row
        # would be a duplicate, not this defect.
        keep = ~(among(new, [ids, *given]) | new.is_duplicated().to_numpy())
        rows, new = rows[keep], new.filter(pl.Series(keep))
        given.append(new)
        plan.update(DS, rows, "person_id", new.to_list())
        plan.record(DS, rows, kind, detail)

    rng = plan.rng("population.ids")
    bad_codes = sorted({f"0{i:02d}" for i in range(100)} - admin_units.birth_codes())

    # Each change as whole-column string operations on the picked IDs (12 digits each).
    def head(x: pl.Series, n: int) -> pl.Series:
        return x.str.slice(0, n)

    def tail(x: pl.Series, n: int) -> pl.Series:
        return x.str.slice(n)

    # One call draws what one call per ID drew: true of numpy's default int64 integers (and
    # int32), not of int8/int16/bool, which draw from buffered bits (test_defects_plan).
    def code(x: pl.Series) -> pl.Series:
        return pl.Series(np.array(bad_codes)[rng.integers(len(bad_codes), size=x.len())], dtype=pl.Utf8)

    def sex(x: pl.Series) -> pl.Series:
        return (x.str.slice(3, 1).cast(pl.Int64) ^ 1).cast(pl.Utf8)

    def year(x: pl.Series) -> pl.Series:
        shift = pl.Series(np.arange(x.len()) % 9 + 1)
        return ((x.str.slice(4, 2).cast(pl.Int64) + shift) % 100).cast(pl.Utf8).str.zfill(2)

    change_id("population.id_structure", lambda x: "O" + tail(x, 1), "chữ O thay số 0 ở vị trí 1")
    change_id("population.id_birth_code", lambda x: code(x) + tail(x, 3), "mã tỉnh khai sinh không tồn tại")
    change_id("population.id_sex", lambda x: head(x, 3) + sex(x) + tail(x, 4), "chữ số giới tính bị đảo")
    change_id("population.id_birth_year", lambda x: head(x, 4) + year(x) + tail(x, 6), "năm sinh trong số sai")
    # Nine-digit numbers keep to the block's residue class, as fresh IDs do, so two blocks
    # never draw the same one (one block: every number, the draw unchanged).
    block, blocks = plan.context.get("id_residue") or (0, 1)
    legacy = rng.choice(len(range(block, 900_000_000, blocks)), size=plan.count(DS), replace=False) * blocks + block + 100_000_000
    rows = plan.pick(DS, "population.legacy_cmnd", unref)
    plan.update(DS, rows, "person_id", [str(legacy[i]) for i in range(rows.size)])
    plan.record(DS, rows, "population.legacy_cmnd", "số CMND 9 số")
    # A CMND on a record dated 2025 or later is also stale (it expired on 31 Dec 2024).
    upd = pop["updated_at"].gather(rows).dt.date().to_list()
    plan.record(
        DS,
        [r for r, u in zip(rows, upd, strict=True) if u >= dt.date(2025, 1, 1)],
        "population.legacy_cmnd_stale",
        "CMND trên bản ghi từ 2025",
    )

    # Exact and near duplicates (same person again, name in capitals): appended after the original.
    src = plan.pick(DS, "population.duplicate_id", unref)
    copies = pop[src.tolist()]
    upper = np.arange(copies.height) % 2 == 1
    copies = copies.with_columns(
        pl.when(pl.Series(upper)).then(pl.col("full_name").str.to_uppercase()).otherwise(pl.col("full_name"))
    )
    plan.record(DS, plan.append(DS, copies), "population.duplicate_id", "ghi trùng một người (y hệt hoặc chữ hoa)")

    rows = plan.pick(DS, "population.stale", unref & living & (age_days > 3 * 365))
    stale = (
        days(as_of) - plan.context.get("fresh_days", {}).get(DS, 365) - plan.rng("population.stale").integers(20, 300, rows.size)
    )
    plan.update(DS, rows, "updated_at", timestamps(stale))
    plan.record(DS, rows, "population.stale", "ngày cập nhật quá hạn")

    rows = plan.pick(DS, "population.future_date", unref & living)
    plan.update(
        DS, rows, "updated_at", timestamps(days(as_of) + plan.rng("population.future_date").integers(2, 60, rows.size), 10)
    )
    plan.record(DS, rows, "population.future_date", "ngày cập nhật trong tương lai")

    old = pre_reform_codes(plan.context["province"])
    if old:
        rows = plan.pick(DS, "population.residence_commune_code_pre_reform", unref & living)
        plan.update(
            DS, rows, "residence_commune_code", [old[int(i)] for i in plan.rng("population.pre").integers(0, len(old), rows.size)]
        )
        plan.record(DS, rows, "population.residence_commune_code_pre_reform", "mã xã trước sắp xếp")

    names = pop["full_name"]
    # Windows-1258 files store tone marks decomposed by design, so NFD cannot be told apart there.
    if plan.context.get("nfd_representable", True):
        # Tested only on the rows the pick may take (unreferenced: ~2/3 of them).
        unref_rows = np.flatnonzero(unref)
        has_marks = np.zeros(names.len(), dtype=bool)
        has_marks[unref_rows] = nfd_differs(names.gather(unref_rows))
        rows = plan.pick(DS, "population.nfd_text", unref & has_marks)
        plan.update(DS, rows, "full_name", [unicodedata.normalize("NFD", x) for x in names.gather(rows).to_list()])
        plan.record(DS, rows, "population.nfd_text", "họ tên dạng NFD")

    rows = plan.pick(DS, "population.full_name_spacing", unref)
    plan.update(DS, rows, "full_name", [x.replace(" ", "  ", 1) for x in names.gather(rows).to_list()])
    plan.record(DS, rows, "population.full_name_spacing", "hai khoảng trắng trong họ tên")

    plan.blank(DS, "population.missing_full_name", "full_name", "họ tên để trống", unref)

    rows = plan.pick(DS, "population.ethnicity_invalid", unref)
    plan.update(DS, rows, "ethnicity", ["Kinh (Việt)"] * rows.size)
    plan.record(DS, rows, "population.ethnicity_invalid", "dân tộc ngoài danh mục")

    # Deceased referenced only by their own death record: nothing else compares the date.
    only_death = unreferenced(plan.frames, skip=("death",))[: pop.height]  # rows appended since are copies
    # The rate applies to the deceased (the rows the defect can hit), not to the whole population:
    # each one also puts its death record in disagreement (death.date_mismatch), and counted over
    # the population it marked a quarter of all death records.
    deceased = int((~living).sum())
    rows = plan.pick(DS, "population.death_before_birth", only_death & ~living, n=max(1, round(plan.rate * deceased)))
    dob = pop["date_of_birth"].gather(rows)
    plan.update(
        DS,
        rows,
        "date_of_death",
        [
            d - dt.timedelta(days=int(k))
            for d, k in zip(dob.to_list(), plan.rng("population.dbb").integers(1, 3000, rows.size), strict=True)
        ],
    )
    plan.record(DS, rows, "population.death_before_birth", "ngày mất trước ngày sinh")
    # The person's death record now disagrees with the population on the date of death.
    deaths = plan.frames["death"]
    if not deaths.is_empty():
        hit = np.flatnonzero(deaths["person_id"].is_in(pop["person_id"].gather(rows).implode()).to_numpy())
        plan.protect("death", hit)
        plan.record("death", hit, "death.date_mismatch", "ngày chết khác dân cư (dân cư ghi ngày mất trước ngày sinh)")
