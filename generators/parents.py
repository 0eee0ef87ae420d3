"""The parents' personal IDs on the population rows (optional columns mother_person_id,
father_person_id), as the population database keeps them (Luật Căn cước art. 9).

Taken from the birth records, the source the population database must agree with
(ND 123/2015 art. 6): a child with a birth record carries its mother's ID and, when the
father is determined, his. Everyone else's parents are left empty (not known to the
synthetic data; an empty cell is not judged).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["add_parent_ids"]


def add_parent_ids(pop: pl.DataFrame, births: pl.DataFrame) -> pl.DataFrame:
    """``births``: records of ``pop``'s children, each child's date of birth as in ``pop``."""
    parents = births.select(
        pl.col("child_person_id").alias("person_id"),
        pl.col("mother_person_id").alias("_m"),
        pl.col("father_person_id").alias("_f"),
    ).unique("person_id", keep="first", maintain_order=True)
    # Only persons born within the records' dates can be among the children: the IDs of
    # those few are matched (matching every ID of the block cost ~10 ms).
    dob, born = pop["date_of_birth"], births["child_date_of_birth"]
    rows = np.flatnonzero(dob.is_between(born.min(), born.max()).to_numpy()) if births.height else np.empty(0, np.int64)
    found = pop["person_id"].gather(rows).to_frame().join(parents, on="person_id", how="left", maintain_order="left")
    return pop.with_columns(
        pl.repeat(None, pop.height, dtype=pl.Utf8, eager=True).scatter(rows, found[c]).alias(name)
        for c, name in (("_m", "mother_person_id"), ("_f", "father_person_id"))
    )
