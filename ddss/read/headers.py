"""Which dataset a file holds, from its header row: canonical or Vietnamese names,
matched ignoring case, spacing and diacritic form (batch-format.md "Files")."""

from __future__ import annotations

import re
import unicodedata

from ddss.read.errors import FileRejected
from ddss.schema import DATASETS, LINEAGE

__all__ = ["RESERVED", "header_key", "match_headers", "refuse_reserved"]

# Names ddss gives its own columns (lineage on every staged row; DuckDB's Parquet row
# number): a file holding one would collide with them.
RESERVED = frozenset({*(n for n, _ in LINEAGE), "file_row_number"})


def refuse_reserved(headers: list[str]) -> None:
    bad = [h for h in headers if h.strip().casefold() in RESERVED or h.strip().casefold().startswith("_ddss")]
    if bad:
        names = ", ".join(bad)
        raise FileRejected(
            f"Tệp có cột trùng tên cột dòng dõi của ddss: {names}; hãy bỏ hoặc đổi tên cột này rồi gửi lại",
            f"the file has a column named like a ddss lineage column: {names}; drop or rename it",
            kind="reserved_column",
        )


def header_key(h: str) -> str:
    h = unicodedata.normalize("NFC", h.replace("\ufeff", "")).casefold()
    return re.sub(r"[\s_]+", " ", h).strip()


def _lookup(name: str) -> dict[str, str]:
    out = {}
    for c in DATASETS[name].columns:
        out[header_key(c.name)] = c.name
        out[header_key(c.header_vi)] = c.name
    return out


def match_headers(headers: list[str], file_name: str) -> tuple[str, dict[str, str]]:
    """(dataset, {file header -> canonical column}) or FileRejected."""
    refuse_reserved(headers)
    keys = [header_key(h) for h in headers]
    # A header that is no known column name may be a data row (a file without its header
    # row): it is named by position, never by its text.
    known = {k for name in DATASETS for k in _lookup(name)}
    twice = [i for i, k in enumerate(keys) if keys.count(k) > 1]
    if twice:
        vi = sorted({headers[i] if keys[i] in known else f"cột {i + 1}" for i in twice})
        en = sorted({headers[i] if keys[i] in known else f"column {i + 1}" for i in twice})
        raise FileRejected(
            f"Tiêu đề cột bị trùng: {', '.join(vi)}", f"duplicate column headers: {', '.join(en)}", kind="duplicate_headers"
        )
    scores = []
    for name in DATASETS:
        lookup = _lookup(name)
        hits = {lookup[k] for k in keys if k in lookup}
        scores.append((len(hits) / len(DATASETS[name].columns), file_name.lower().startswith(name), name))
    share, _, best = max(scores)
    if share < 0.5:
        raise FileRejected(
            "Không nhận ra tập dữ liệu từ dòng tiêu đề "
            "(không khớp dân cư, khai sinh, khai tử, kết hôn, thửa đất, giấy chứng nhận, khóa sổ hộ tịch)",
            "unknown dataset: the header row matches none of population, birth, death, marriage, parcel, certificate, "
            "book_closure",
            kind="unknown_dataset",
        )
    lookup = _lookup(best)
    mapping = {h: lookup[k] for h, k in zip(headers, keys, strict=True) if k in lookup}
    present = set(mapping.values())
    missing = [c for c in DATASETS[best].columns if c.name not in present and c.mandatory]
    if missing:
        names = ", ".join(f"{c.header_vi} ({c.name})" for c in missing)
        raise FileRejected(
            f"Thiếu cột bắt buộc của tập '{best}': {names}",
            f"missing mandatory columns of '{best}': {', '.join(c.name for c in missing)}",
            kind="missing_columns",
        )
    return best, mapping
