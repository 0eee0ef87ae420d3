"""The parents' personal IDs on the population rows (optional columns mother_person_id,
father_person_id), as the population database keeps them (Luật Căn cước art. 9).

Taken from the birth records, the source the population database must agree with
(ND 123/2015 art. 6): a child with a birth record carries its mother's ID and, when the
father is determined, his. Everyone else's parents are left empty (not known to the
synthetic data; an empty cell is not judged).
"""

from __future__ import annotations

import polars as pl

__all__ = ["add_parent_ids"]


def add_parent_ids(pop: pl.DataFrame, births: pl.DataFrame) -> pl.DataFrame:
    parents = births.select(
        pl.col("child_person_id").alias("person_id"),
        pl.col("mother_person_id").alias("_m"),
        pl.col("father_person_id").alias("_f"),
    ).unique("person_id", keep="first", maintain_order=True)
    joined = pop.select("person_id").join(parents, on="person_id", how="left", maintain_order="left")
    return pop.with_columns(joined["_m"].alias("mother_person_id"), joined["_f"].alias("father_person_id"))
