"""The file names of civil-registry entries' scanned dossiers (official-criteria F8): one PDF
per register entry (CV 1437/BTP-CNTT as a vendor summarises it), named by place, book and
entry, ``<commune>-<year>-<type>-<entry, 6 digits>.pdf``, never by personal data. The name
follows the entry number, so it is made where entries are numbered and again where they are
carried across blocks (generators/blocks.py)."""

from __future__ import annotations

import polars as pl

__all__ = ["scan_name", "scan_refs"]


def scan_refs() -> pl.Expr:
    """Every row's dossier name; null where a part is null (the caller keeps what it had)."""
    book = pl.col("register_book").str.replace("/", "-", literal=True)
    entry = pl.col("entry_no").cast(pl.Utf8).str.zfill(6)
    return pl.concat_str([pl.col("registering_commune_code"), pl.lit("-"), book, pl.lit("-"), entry, pl.lit(".pdf")])


def scan_name(commune: str, book: str, entry: int) -> str:
    """``scan_refs`` for one entry (a row a defect adds)."""
    return f"{commune}-{book.replace('/', '-')}-{entry:06d}.pdf"
