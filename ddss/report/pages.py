"""The steward's pages of one run, written under ``reports/<run_id>/``.

``index.html`` (province, agencies, files, scorecard, trends, checks that fail most,
links), one ``agency-<code>.html`` per agency (what to send back, findings by check,
downloads) and ``huong-dan.html`` (the guide, rendered from docs/huong-dan.md).
Jinja2 with autoescape on for every template: a batch cell holding ``<script>`` is
text on the page. Nothing refers to a network address: styles are inline, charts
are SVG, links are relative.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, select_autoescape

from ddss.admin_units import province as province_info
from ddss.exit_codes import MEANINGS
from ddss.report import charts, exports
from ddss.report.inputs import HistoryPoint, ReportInputs, ScoreCell, agency_names, legal_basis, load_inputs
from ddss.rules.catalog import DIMENSIONS, SEVERITIES, by_id
from ddss.schema import DATASETS
from ddss.scorecard import DATASET_LABELS
from ddss.settings import Settings

__all__ = [
    "ROWS_PER_CHECK",
    "agency_page_name",
    "build_report",
    "data_docs_index",
    "export_jobs",
    "render_pages",
    "template_environment",
]

ROWS_PER_CHECK = 200  # rows shown per check on an agency page; the downloads hold all
TOP_CHECKS = 15
DIMENSION_EN = {"dung": "correct", "du": "complete", "sach": "clean", "song": "current"}
SEVERITY_EN = {"blocking": "blocking", "warning": "warning"}


def template_environment(*first: BaseLoader) -> Environment:
    """The report's Jinja2 environment (autoescape on, Vietnamese number formats, labels);
    ``first``: loaders searched before the report's templates (the findings browser's)."""
    env = Environment(
        loader=ChoiceLoader([*first, PackageLoader("ddss.report", "templates")]),
        autoescape=select_autoescape(["html", "j2", "html.j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.1f}\u00a0%".replace(".", ",")
    env.filters["num"] = lambda v: "—" if v is None else f"{int(v):,}".replace(",", ".")
    env.globals.update(
        DIMENSIONS=DIMENSIONS,
        DIMENSION_EN=DIMENSION_EN,
        SEVERITIES=SEVERITIES,
        SEVERITY_EN=SEVERITY_EN,
        DATASET_LABELS=DATASET_LABELS,
    )
    return env


def agency_page_name(agency: str) -> str:
    return f"agency-{agency}.html"


def data_docs_index(settings: Settings) -> Path:
    """Where GX's Data Docs site lands (ddss.report.data_docs builds it; until then the link dangles)."""
    from ddss.checks.gx_project import SITE

    return settings.gx_dir / "uncommitted" / "data_docs" / SITE / "index.html"


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def _cell_class(cell: ScoreCell | None) -> str:
    if cell is None or cell.score is None:
        return "na"
    if cell.not_checked:
        return "na"
    if cell.passed is False:
        return "fail"
    if cell.passed is True:
        return "pass"
    return "info"


def _verdict_of(passed: bool | None) -> dict[str, str]:
    if passed is True:
        return {"cls": "pass", "vi": "ĐẠT", "en": "passes"}
    if passed is False:
        return {"cls": "fail", "vi": "KHÔNG ĐẠT", "en": "does not pass"}
    return {"cls": "na", "vi": "CHƯA CÓ KẾT LUẬN", "en": "no verdict yet"}


def _score_rows(inp: ReportInputs, agencies: list[str]) -> list[dict[str, Any]]:
    """One row per dataset: its agency, a cell per dimension, its verdict."""
    sc = inp.scorecard
    cells = {(c.dataset, c.dimension): c for c in sc.cells} if sc else {}
    rows = []
    for agency in agencies:
        for dataset in (d for d, s in DATASETS.items() if s.agency == agency):
            dims = {m: cells.get((dataset, m)) for m in DIMENSIONS}
            passed = sc.datasets.get(dataset) if sc and dataset in sc.datasets else None
            if passed is None and any(c is not None and c.passed is not None for c in dims.values()):
                passed = all(c.passed is not False for c in dims.values() if c is not None)
            rows.append(
                {
                    "agency": agency,
                    "dataset": dataset,
                    "cells": {m: {"cell": c, "cls": _cell_class(c)} for m, c in dims.items()},
                    "verdict": _verdict_of(passed),
                }
            )
    return rows


def _trends(inp: ReportInputs, agencies: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Agency -> one chart per dimension; a line per dataset over the runs in the history."""
    sc = inp.scorecard
    if sc is None:
        return {}
    points = list(sc.history)
    seen = {(p.run_id, p.dataset, p.dimension) for p in points}
    now = str(inp.run_info.get("started_at") or "~")  # the current run sorts last when undated
    points += [  # the current run, when the history does not hold it yet
        HistoryPoint(inp.run_id, now, c.agency, c.dataset, c.dimension, c.score)
        for c in sc.cells
        if c.score is not None and (inp.run_id, c.dataset, c.dimension) not in seen
    ]
    order: dict[str, str] = {}
    for p in points:
        order.setdefault(p.run_id, p.at or p.run_id)
    run_order = sorted(order, key=lambda r: (order[r], r))
    thresholds = {(c.dataset, c.dimension): c.threshold for c in sc.cells}
    out: dict[str, list[dict[str, Any]]] = {}
    for agency in agencies:
        charts_of_agency = []
        for m in DIMENSIONS:
            series: dict[str, list[tuple[str, float]]] = defaultdict(list)
            by_run = {(p.run_id, p.dataset): p.score for p in points if p.agency == agency and p.dimension == m}
            datasets = sorted({d for _, d in by_run})
            for d in datasets:
                series[d] = [(r, by_run[(r, d)]) for r in run_order if (r, d) in by_run]
            limits = {thresholds.get((d, m)) for d in datasets} - {None}
            svg = charts.trend(
                dict(series),
                threshold=min(limits) if limits else None,
                title=f"{agency_names().get(agency, agency)} — {DIMENSIONS[m]} ({DIMENSION_EN[m]})",
                runs=run_order,
            )
            colours = {d: charts.PALETTE[i % len(charts.PALETTE)] for i, d in enumerate(datasets)}
            charts_of_agency.append({"dimension": m, "svg": svg, "legend": colours})
        out[agency] = charts_of_agency
    return out


def _check_meta(check_id: str) -> dict[str, str]:
    try:
        c = by_id(check_id)
    except KeyError:
        return {"title": check_id, "description": "", "legal": ""}
    return {"title": c.title_vi, "description": c.description_vi, "legal": legal_basis(check_id)}


def _top_checks(findings: pl.DataFrame) -> list[dict[str, Any]]:
    if findings.is_empty():
        return []
    top = (
        findings.group_by("check_id", "dataset", "agency", "dimension", "severity")
        .len("count")
        .sort(["count", "check_id"], descending=[True, False])
        .head(TOP_CHECKS)
    )
    return [{**row, **_check_meta(row["check_id"])} for row in top.iter_rows(named=True)]


def _counts(findings: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {(d, s): n for d, s, n in findings.group_by("dimension", "severity").len().iter_rows()}


def _groups(findings: pl.DataFrame) -> list[dict[str, Any]]:
    """Findings of one agency by check, blocking first, most frequent first."""
    out = []
    by_check = findings.group_by("check_id", "dataset", "dimension", "severity").len("count")
    ranked = by_check.with_columns((pl.col("severity") != "blocking").alias("_w")).sort(
        ["_w", "count", "check_id"], descending=[False, True, False]
    )
    # The first rows of every check from one sort and one pass (a filter per check costs
    # checks x findings: seconds at millions of findings).
    shown = (
        findings.sort("source_row", nulls_last=True, maintain_order=True)
        .group_by("check_id", "dataset", maintain_order=True)
        .head(ROWS_PER_CHECK)
    )
    parts = shown.partition_by("check_id", "dataset", as_dict=True, maintain_order=True) if shown.height else {}
    empty = findings.clear()
    for row in ranked.iter_rows(named=True):
        rows = parts.get((row["check_id"], row["dataset"]), empty)
        out.append({**row, **_check_meta(row["check_id"]), "rows": list(rows.iter_rows(named=True))})
    return out


def _send_back(findings: pl.DataFrame, datasets: list[str]) -> list[dict[str, Any]]:
    """Per dataset: records to correct (blocking), records with warnings only. A record is
    a (file, row) pair; one grouping for all datasets, not a pass per dataset."""
    records = (
        findings.group_by("dataset", "source_file", "source_row")
        .agg((pl.col("severity") == "blocking").any().alias("b"))
        .group_by("dataset")
        .agg(pl.col("b").sum().alias("blocking"), (~pl.col("b")).sum().alias("warning_only"))
    )
    counts = {d: (b, w) for d, b, w in records.iter_rows()}
    sizes = dict(findings.group_by("dataset").len().iter_rows())
    return [
        {
            "dataset": d,
            "records_blocking": int(counts.get(d, (0, 0))[0]),
            "records_warning_only": int(counts.get(d, (0, 0))[1]),
            "findings": int(sizes.get(d, 0)),
        }
        for d in datasets
    ]


def _agencies(inp: ReportInputs) -> list[str]:
    present = set(inp.findings["agency"].unique().to_list())
    if inp.files.height:
        present |= set(inp.files["agency"].drop_nulls().unique().to_list())
    if inp.scorecard:
        present |= {c.agency for c in inp.scorecard.cells}
    known = [a for a in agency_names() if a in present]
    return known + sorted(present - set(known))


def _agency_verdict(inp: ReportInputs, agency: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    sc = inp.scorecard
    if sc and agency in sc.agencies:
        return _verdict_of(sc.agencies[agency])
    verdicts = [r["verdict"]["cls"] for r in rows if r["agency"] == agency]
    if "fail" in verdicts:
        return _verdict_of(False)
    if verdicts and all(v == "pass" for v in verdicts):
        return _verdict_of(True)
    return _verdict_of(None)


def _guide(settings: Settings, run_dir: Path) -> str | None:
    """docs/huong-dan.md as a page beside the report (raw HTML in the Markdown is escaped)."""
    source = settings.root / "docs" / "huong-dan.md"
    if not source.exists():
        return None
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(source.read_text(encoding="utf-8"))
    html = template_environment().get_template("guide.html.j2").render(body=body, title="Hướng dẫn cho cán bộ / Steward's guide")
    (run_dir / "huong-dan.html").write_text(html, encoding="utf-8")
    return "huong-dan.html"


def render_pages(inp: ReportInputs, data_docs_problem: str | None = None, write_exports: bool = True) -> Path:
    """Write every page and download of the run's folder; returns the index page.
    ``write_exports=False``: the caller writes the downloads (``export_jobs``)."""
    env = template_environment()
    run_dir = inp.run_dir
    downloads = run_dir / "exports"
    downloads.mkdir(exist_ok=True)
    agencies = _agencies(inp)
    names = agency_names()
    score_rows = _score_rows(inp, agencies)
    try:
        prov = province_info(inp.province)
        province = {"code": inp.province, "name": prov.name}
    except (KeyError, ValueError):
        province = {"code": inp.province, "name": ""}
    docs = data_docs_index(inp.settings)
    common = {
        "province": province,
        "run_id": inp.run_id,
        "run": inp.run_info,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "agency_names": names,
        "guide": _guide(inp.settings, run_dir),
    }
    agency_cards = []
    for agency in agencies:
        own = inp.findings.filter(pl.col("agency") == agency)
        datasets = [d for d, s in DATASETS.items() if s.agency == agency] or sorted(own["dataset"].unique().to_list())
        stem = f"{agency}-phat-hien"
        if write_exports:
            for job in exports.download_jobs(own, downloads, stem):
                job()
        verdict = _agency_verdict(inp, agency, score_rows)
        reasons = [
            r for r in (inp.scorecard.reasons if inp.scorecard else ()) if names[agency] in r or any(d in r for d in datasets)
        ]
        card = {
            "code": agency,
            "name": names.get(agency, agency),
            "page": agency_page_name(agency),
            "verdict": verdict,
            "counts": _counts(own),
            "findings": own.height,
            "datasets": datasets,
            "overall": inp.scorecard.overall.get(agency, {}) if inp.scorecard else {},
        }
        agency_cards.append(card)
        files = inp.files.filter(pl.col("agency") == agency) if inp.files.height else inp.files
        html = env.get_template("agency.html.j2").render(
            **common,
            agency=card,
            reasons=reasons,
            score_rows=[r for r in score_rows if r["agency"] == agency],
            send_back=_send_back(own, datasets),
            groups=_groups(own),
            rows_per_check=ROWS_PER_CHECK,
            files=list(files.iter_rows(named=True)),
            downloads={"xlsx": f"exports/{stem}.xlsx", "csv": f"exports/{stem}.csv"},
            land=inp.scorecard.land_groups if inp.scorecard else None,
        )
        (run_dir / agency_page_name(agency)).write_text(html, encoding="utf-8")
    sc = inp.scorecard
    index = env.get_template("index.html.j2").render(
        **common,
        scorecard=sc,
        verdict=_verdict_of(sc.passed if sc else None),
        agencies=agency_cards,
        score_rows=score_rows,
        trends=_trends(inp, agencies),
        top_checks=_top_checks(inp.findings),
        counts=_counts(inp.findings),
        total=inp.findings.height,
        files=list(inp.files.iter_rows(named=True)),
        data_docs=_relative(docs, run_dir),
        data_docs_built=docs.exists(),
        data_docs_problem=data_docs_problem,
        exit_codes=[(int(code), vi, en) for code, (vi, en) in MEANINGS.items()],
    )
    out = run_dir / "index.html"
    out.write_text(index, encoding="utf-8")
    return out


def export_jobs(inp: ReportInputs) -> list[Callable[[], Path]]:
    """The agencies' downloads of a run (XLSX and CSV of their findings), one call each,
    largest first; ``render_pages(..., write_exports=False)`` links them."""
    downloads = inp.run_dir / "exports"
    downloads.mkdir(exist_ok=True)
    jobs = []
    for agency in _agencies(inp):
        own = inp.findings.filter(pl.col("agency") == agency)
        jobs += [(own.height, job) for job in exports.download_jobs(own, downloads, f"{agency}-phat-hien")]
    return [job for _, job in sorted(jobs, key=lambda j: -j[0])]


def build_report(settings: Settings, province: str, run_id: str, data_docs: bool = True) -> Path:
    """The pipeline's report step: GX's Data Docs of run ``run_id`` (``ddss.report.data_docs``,
    the site the index links to), then every page of the run; returns ``index.html``.

    At scale most of the time is the agencies' downloads (a million findings: seconds of
    polars and zlib, both of which release the GIL), so they are written on two threads
    while GX renders its site (Python, holding the GIL) and the pages are rendered."""
    inp = load_inputs(settings, province, run_id)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ddss-export") as pool:
        pending = [pool.submit(job) for job in export_jobs(inp)]
        try:
            problem = _build_data_docs(settings, run_id) if data_docs else None
            index = render_pages(inp, data_docs_problem=problem, write_exports=False)
        finally:
            done = [f.exception() for f in pending]  # every download finished before the report is
        failed = next((e for e in done if e is not None), None)
        if failed is not None:
            raise failed
    return index


def _build_data_docs(settings: Settings, run_id: str) -> str | None:
    """None when GX built the site; else what went wrong, for the index to say."""
    from ddss.report import data_docs as gx_docs

    try:
        gx_docs.build(settings, run_id)
    except Exception as e:  # noqa: BLE001 - the steward's own pages must not depend on GX's renderer
        return type(e).__name__
    return None
