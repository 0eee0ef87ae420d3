"""The report pages and the findings browser in a real browser (Debian's Chromium).

Every page opens from ``file://`` with every other request aborted and counted; the
findings browser runs in uvicorn on a free loopback port.
"""

from __future__ import annotations

import re
import socket
import threading
import time

import polars as pl
import pytest

from tests.conftest import block_off_machine
from tests.report.conftest import FORMULA, SCRIPT

DIMENSION_NAMES = ("Đúng", "Đủ", "Sạch", "Sống")


@pytest.fixture
def page(browser, tmp_path):
    """A page whose every non-file: request is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    attempts = block_off_machine(context)
    pg = context.new_page()
    pg.attempts = attempts  # type: ignore[attr-defined]
    yield pg
    context.close()


def _open(page, path, shots, name):
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    return page


def _expected_cells(scorecard: dict) -> tuple[int, int]:
    """(red, green) cells of the scorecard table: dimension cells checked, plus dataset verdicts."""
    cells = [c for c in scorecard["cells"] if c["dimension"] in ("dung", "du", "sach", "song") and c["status"] != "chua_kiem_tra"]
    red = sum(c["verdict"] == "khong_dat" for c in cells) + sum(d["verdict"] == "khong_dat" for d in scorecard["datasets"])
    green = sum(c["verdict"] == "dat" for c in cells) + sum(d["verdict"] == "dat" for d in scorecard["datasets"])
    return red, green


def test_index_shows_scorecard_dimensions_and_verdict_offline(report_run, page, tmp_path):
    _open(page, report_run.index, tmp_path, "index")
    sc = report_run.scorecard
    text = page.inner_text("body")
    assert "Bảng điểm" in text
    for name in DIMENSION_NAMES:
        assert page.locator("table.scorecard th", has_text=name).count() == 1, name
    assert page.locator(".badge.verdict").inner_text() == ("ĐẠT" if sc["passed"] else "KHÔNG ĐẠT")
    assert not sc["passed"], "5 % defects: some dataset is below its threshold"
    assert page.locator("ul.reasons li").count() == len(sc["reasons"]) > 0
    for reason in sc["reasons"]:
        assert reason["vi"] in text
    red, green = _expected_cells(sc)
    assert (page.locator("table.scorecard td.fail").count(), page.locator("table.scorecard td.pass").count()) == (red, green)
    # A trend chart per agency × dimension (3 agencies × 4 dimensions), drawn as SVG.
    assert page.locator("svg.trend").count() == 12
    # Land in the three official groups, as the scorecard counted them.
    assert page.locator("table.land-groups tbody tr").count() == len(sc["land_groups"]["groups"]) == 3
    # Checks that fail most, with their legal basis.
    assert page.locator("#kiem-tra tbody tr").count() >= 5
    assert "domain.md" in page.inner_text("#kiem-tra")
    assert page.attempts == []  # type: ignore[attr-defined]
    assert (tmp_path / "index.png").stat().st_size > 10_000


def test_data_docs_link_opens_gx_site_offline(report_run, page, tmp_path):
    """The report step built GX's Data Docs for the run; the index's link opens it offline."""
    _open(page, report_run.index, tmp_path, "index-for-docs")
    link = page.locator("#lien-ket a", has_text="Data Docs")
    target = (report_run.run_dir / link.get_attribute("href")).resolve()
    assert target.is_file() and target.is_relative_to(report_run.settings.gx_dir)
    assert "chưa được tạo" not in page.inner_text("#lien-ket")
    link.click()
    page.wait_for_load_state("load")
    assert page.url == target.as_uri()
    page.screenshot(path=str(tmp_path / "data-docs.png"), full_page=True)
    assert report_run.run_id in page.content()  # the run's results are listed
    assert page.attempts == []  # type: ignore[attr-defined]


def _stored_results(gx_dir, suite: str) -> list[dict]:
    """The expectation configs of a suite's stored result in GX's validations store."""
    import json

    stored = sorted((gx_dir / "uncommitted" / "validations" / suite).rglob("*.json"))
    assert len(stored) == 1, stored
    return [r["expectation_config"] for r in json.loads(stored[0].read_text(encoding="utf-8"))["results"]]


def test_validation_result_page_shows_vietnamese_meta_offline(report_run, page, tmp_path):
    """GX's validation-result page: under GX's own sentence, each expectation's Vietnamese
    title, dimension and severity (GX 1.24 renders neither notes nor meta there)."""
    gx_dir = report_run.settings.gx_dir
    configs = _stored_results(gx_dir, "ddss_population")
    meta = next(
        c["meta"]
        for c in configs
        if c["type"] == "expect_column_values_to_not_be_null" and c["kwargs"]["column"] == "date_of_birth"
    )
    assert (meta["title_vi"], meta["dimension"], meta["severity"]) == ("Thiếu ngày sinh", "du", "blocking")
    site = gx_dir / "uncommitted" / "data_docs" / "local_site" / "validations" / "ddss_population"
    pages = sorted(site.glob(f"{report_run.run_id}/*/*.html"))
    assert len(pages) == 1, pages
    _open(page, pages[0], tmp_path, "validation-result")
    row = page.locator("tr", has_text="Thiếu ngày sinh")
    assert row.count() == 1 and row.is_visible()
    text = row.inner_text()
    assert "values must never be null" in text  # GX's own sentence stays
    assert f"Thiếu ngày sinh ({meta['check_id']})" in text
    assert "Chiều / dimension: Đủ (du)" in text and "Mức / severity: Chặn (blocking)" in text
    # one line per expectation on the page, each with a title and both labels
    lines = page.locator(".ddss-meta")
    assert lines.count() == len(configs)
    assert all("Chiều / dimension: " in t and "Mức / severity: " in t for t in lines.all_inner_texts())
    assert page.attempts == []  # type: ignore[attr-defined]


def test_trend_draws_every_run_of_the_history(report_run, page, tmp_path):
    """A hand-made history of three earlier runs: four points per dataset line."""
    import shutil

    from ddss.report.inputs import load_inputs
    from ddss.report.pages import render_pages
    from tests.report.fixtures import write_scorecard

    reports = tmp_path / "reports"
    run_dir = reports / report_run.run_id
    run_dir.mkdir(parents=True)
    shutil.copy(report_run.run_dir / "findings.parquet", run_dir)
    write_scorecard(run_dir, report_run.run_id)
    settings = type(report_run.settings)(**{**report_run.settings.__dict__, "reports_dir": reports})
    index = render_pages(load_inputs(settings, "79", report_run.run_id))
    _open(page, index, tmp_path, "index-history")
    parcel_dung = page.locator("svg.trend").nth(8)  # nnmt × đúng: certificate and parcel
    assert parcel_dung.locator("circle").count() == 8
    assert page.locator(".badge.verdict").inner_text() == "KHÔNG ĐẠT"
    assert "Tập parcel: chiều dung đạt 80,0 %" in page.inner_text("ul.reasons")
    assert page.attempts == []  # type: ignore[attr-defined]


def test_agency_page_lists_findings_and_downloads_offline(report_run, page, tmp_path):
    _open(page, report_run.run_dir / "agency-nnmt.html", tmp_path, "agency-nnmt")
    assert page.locator(".badge.verdict").inner_text() == "KHÔNG ĐẠT"
    for name in DIMENSION_NAMES:
        assert page.locator("table.scorecard th", has_text=name).count() == 1
    findings = pl.read_parquet(report_run.run_dir / "findings.parquet")
    land = findings.filter(pl.col("dataset").is_in(["parcel", "certificate"]))
    # One group per (check, dataset) of this agency; each group names its count.
    groups = land.group_by("check_id", "dataset").len()
    assert page.locator("details[id]").count() == groups.height
    shown_rows = page.locator("details table tbody tr").count()
    assert shown_rows == min(land.height, shown_rows) and shown_rows == land.height  # 300 persons: all fit
    for link in ("exports/nnmt-phat-hien.xlsx", "exports/nnmt-phat-hien.csv"):
        assert page.locator(f'a[href="{link}"]').count() == 1
        assert (report_run.run_dir / link).stat().st_size > 0
    assert page.attempts == []  # type: ignore[attr-defined]


def test_pages_print(report_run, page, tmp_path):
    """Print layout: navigation hidden, every finding group open, a PDF comes out."""
    _open(page, report_run.run_dir / "agency-nnmt.html", tmp_path, "agency-screen")
    assert page.locator("nav.links").is_visible()
    page.emulate_media(media="print")
    assert page.locator("nav.links").is_hidden()
    groups = page.locator("details")
    assert groups.count() > 0 and all(groups.nth(i).get_attribute("open") is not None for i in range(groups.count()))
    pdf = page.pdf(path=str(tmp_path / "agency.pdf"), format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2  # two sheets or more
    assert page.attempts == []  # type: ignore[attr-defined]


def test_hostile_cells_render_as_text(report_run, page, tmp_path):
    _open(page, report_run.run_dir / "agency-nnmt.html", tmp_path, "agency-hostile")
    text = page.inner_text("body")
    assert SCRIPT in text  # shown literally: it was escaped, not parsed as a tag
    assert FORMULA in text
    assert page.evaluate("typeof window.__ddss_pwned") == "undefined"
    assert page.locator("script").count() == 0  # no script element anywhere on the page
    html = (report_run.run_dir / "agency-nnmt.html").read_text(encoding="utf-8")
    assert SCRIPT not in html and "&lt;script&gt;window.__ddss_pwned" in html


def test_guide_page_opens_offline(report_run, page, tmp_path):
    guide = report_run.run_dir / "huong-dan.html"
    assert guide.exists(), "the index links the guide rendered from docs/huong-dan.md"
    _open(page, guide, tmp_path, "guide")
    text = page.inner_text("body")
    assert "Hướng dẫn" in text and "đạt" in text
    assert page.attempts == []  # type: ignore[attr-defined]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(report_run):
    import uvicorn

    from ddss.serve import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(report_run.settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_findings_browser_pages_filters_and_sorts(report_run, server, browser, tmp_path):
    findings = pl.read_parquet(report_run.run_dir / "findings.parquet")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(server) else (elsewhere.append(r.request.url), r.abort())
    )
    page = context.new_page()
    try:
        page.goto(f"{server}/runs/{report_run.run_id}/findings?size=25")
        assert page.locator("#summary strong").first.inner_text().replace(".", "") == str(findings.height)
        assert page.locator("#findings tbody tr").count() == 25
        page.click("#next")
        assert page.locator("#page-no").inner_text() == "2"
        # Filter by agency and severity through the form, as a steward would.
        page.select_option("#f-agency", "nnmt")
        page.select_option("#f-severity", "blocking")
        page.click("#apply")
        expected = findings.filter(pl.col("dataset").is_in(["parcel", "certificate"]), pl.col("severity") == "blocking")
        assert page.locator("#summary strong").first.inner_text().replace(".", "") == str(expected.height)
        datasets = set(page.locator("#findings tbody tr td:nth-child(2)").all_inner_texts())
        assert datasets <= {"parcel", "certificate"}
        assert page.locator("#page-no").inner_text() == "1"
        # Sort by row, descending: the first row shown is the largest row number.
        page.select_option("#f-sort", "source_row")
        page.select_option("#f-order", "desc")
        page.click("#apply")
        first_row = int(page.locator("#findings tbody tr").first.locator("td:nth-child(4)").inner_text())
        assert first_row == expected["source_row"].max()
        page.screenshot(path=str(tmp_path / "browser.png"), full_page=True)
        # The hostile cells are text here too.
        page.goto(f"{server}/runs/{report_run.run_id}/findings?check=parcel.land_use_unknown")
        assert SCRIPT in page.inner_text("#findings")
        assert page.evaluate("typeof window.__ddss_pwned") == "undefined"
        # The report pages are served as written.
        page.goto(f"{server}/reports/{report_run.run_id}/index.html")
        assert page.locator(".badge.verdict").inner_text() == "KHÔNG ĐẠT"
    finally:
        context.close()
    assert elsewhere == []
