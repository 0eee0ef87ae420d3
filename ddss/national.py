"""The national scorecard: 34 provinces × 3 agencies × 4 dimensions, from each province's scorecard.

A province's cell for (agency, dimension) pools that agency's datasets: records checked and
records with a blocking finding in that dimension, summed; score = share with none. A
province with no validated data shows "chưa có dữ liệu" (no score), never a guessed one.
Written to ``<reports_dir>/national/<run_id>/``: ``scorecard.csv`` (UTF-8 with BOM,
Vietnamese column names, opens right in Excel), ``scorecard.json`` and ``index.html``
(one self-contained page: inline CSS, no script, no external reference).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl

from ddss.admin_units import provinces_2025
from ddss.rules.catalog import DIMENSIONS
from ddss.schema import AGENCIES
from ddss.settings import Settings

__all__ = ["CSV_HEADERS", "national_frame", "new_national_run_id", "province_rows", "write_national"]

CSV_HEADERS = {
    "province": "Mã tỉnh",
    "province_name": "Tỉnh, thành phố",
    "agency": "Cơ quan",
    "dimension": "Chiều chất lượng",
    "checked": "Bản ghi đã kiểm tra",
    "blocking": "Bản ghi có lỗi chặn",
    "score": "Điểm",
    "verdict": "Kết luận",
    "run_id": "Lượt kiểm tra",
}
_VERDICT_VI = {"dat": "đạt", "khong_dat": "không đạt", None: "chưa có dữ liệu"}


def new_national_run_id() -> str:
    return "national-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")


def province_rows(card: Any) -> list[dict]:
    """Rows (agency × dimension) of one province from its ``scorecard.Scorecard``."""
    rows = []
    for a in card.agencies:
        for dim in DIMENSIONS:
            scores = [s for d in a.datasets for s in d.dimensions if s.dimension == dim]
            checked = sum(s.checked for s in scores)
            blocking = sum(s.blocking for s in scores)
            rows.append(
                {
                    "province": card.province,
                    "agency": a.agency,
                    "dimension": dim,
                    "checked": checked,
                    "blocking": blocking,
                    "score": (checked - blocking) / checked if checked else None,
                    "verdict": a.verdict,
                    "run_id": card.run_id,
                }
            )
    return rows


def national_frame(rows: list[dict]) -> pl.DataFrame:
    """Every province × agency × dimension (34 × 3 × 4 = 408 rows), filled from ``rows``."""
    schema = {
        "province": pl.String,
        "agency": pl.String,
        "dimension": pl.String,
        "checked": pl.Int64,
        "blocking": pl.Int64,
        "score": pl.Float64,
        "verdict": pl.String,
        "run_id": pl.String,
    }
    grid = pl.DataFrame(
        [(p, a, d) for p in sorted(provinces_2025()) for a in AGENCIES for d in DIMENSIONS],
        schema=["province", "agency", "dimension"],
        orient="row",
    )
    got = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    names = pl.DataFrame({"province": list(provinces_2025()), "province_name": [p.name for p in provinces_2025().values()]})
    return (
        grid.join(got, on=["province", "agency", "dimension"], how="left")
        .join(names, on="province")
        .select("province", "province_name", "agency", "dimension", "checked", "blocking", "score", "verdict", "run_id")
    )


def write_national(settings: Settings, frame: pl.DataFrame, run_id: str) -> Path:
    """The national scorecard's files; returns the folder."""
    folder = settings.reports_dir / "national" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    shown = frame.with_columns(
        pl.col("agency").replace_strict(AGENCIES),
        pl.col("dimension").replace_strict(DIMENSIONS),
        pl.col("verdict").replace_strict(_VERDICT_VI, default="chưa có dữ liệu"),
    ).rename(CSV_HEADERS)
    (folder / "scorecard.csv").write_bytes(b"\xef\xbb\xbf" + shown.write_csv().encode("utf-8"))
    payload = {"run_id": run_id, "provinces": frame["province"].n_unique(), "rows": frame.to_dicts()}
    (folder / "scorecard.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "index.html").write_text(_html(frame, run_id), encoding="utf-8")
    return folder


def _html(frame: pl.DataFrame, run_id: str) -> str:
    from jinja2 import Environment

    cells: dict[tuple[str, str, str], dict] = {(r["province"], r["agency"], r["dimension"]): r for r in frame.to_dicts()}
    provinces = frame.select("province", "province_name", "verdict").unique(["province"]).sort("province").to_dicts()
    for p in provinces:
        verdicts = {cells[(p["province"], a, d)]["verdict"] for a in AGENCIES for d in DIMENSIONS}
        p["verdict"] = None if verdicts == {None} else ("khong_dat" if "khong_dat" in verdicts else "dat")
    env = Environment(autoescape=True)
    return env.from_string(_TEMPLATE).render(
        run_id=run_id,
        provinces=provinces,
        agencies=AGENCIES,
        dimensions=DIMENSIONS,
        cells=cells,
        verdict_vi=_VERDICT_VI,
        with_data=sum(p["verdict"] is not None for p in provinces),
    )


_TEMPLATE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bảng điểm quốc gia — {{ run_id }}</title>
<style>
body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:center}
th{background:#f3f3f3}td.name{text-align:left;white-space:nowrap}
.dat{background:#d9f2d9}.khong_dat{background:#f9d6d5}.none{background:#eee;color:#777}
@media print{body{margin:0}}
</style></head><body>
<h1>Bảng điểm quốc gia <small>/ national scorecard</small></h1>
<p>Lượt {{ run_id }} — {{ with_data }}/{{ provinces|length }} tỉnh, thành phố có dữ liệu.
Điểm = tỷ lệ bản ghi không có lỗi chặn trong chiều đó / share of records with no blocking finding.</p>
<table>
<thead><tr><th rowspan="2">Mã</th><th rowspan="2">Tỉnh, thành phố</th><th rowspan="2">Kết luận</th>
{% for a, name in agencies.items() %}<th colspan="{{ dimensions|length }}">{{ name }}</th>{% endfor %}</tr>
<tr>{% for a in agencies %}{% for d, dn in dimensions.items() %}<th>{{ dn }}</th>{% endfor %}{% endfor %}</tr></thead>
<tbody>
{% for p in provinces %}<tr>
<td>{{ p.province }}</td><td class="name">{{ p.province_name }}</td>
<td class="{{ p.verdict or 'none' }}">{{ verdict_vi[p.verdict] }}</td>
{% for a in agencies %}{% for d in dimensions %}{% set c = cells[(p.province, a, d)] %}
<td class="{{ c.verdict or 'none' }}">{% if c.score is none %}—{% else %}{{ '%.1f'|format(100 * c.score) }} %{% endif %}</td>
{% endfor %}{% endfor %}</tr>
{% endfor %}</tbody></table>
</body></html>
"""
