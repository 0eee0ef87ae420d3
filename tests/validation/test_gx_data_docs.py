"""GX's Data Docs, built from GX's store by the report step, work offline (issue #18):
vendored assets with licences, no external reference in any page, zero requests off the
machine in a real browser (Debian's Chromium through Playwright), no personal data."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from ddss.checks import suites
from ddss.report import data_docs
from tests.conftest import block_off_machine

# XML namespace names are identifiers, never fetched.
EXTERNAL = re.compile(r"https?://(?!www\.w3\.org/)[^\s\"'<>)]+")


@pytest.fixture(scope="module")
def site(province_run, tmp_path_factory) -> tuple[object, Path]:
    """The shared run's GX folder, copied (the site's fonts and images are binary files
    other tests of that run do not expect), then built into by the report step."""
    run = province_run(0.05, 2000, headers="vi", dates="vn", decimal_comma=True, encoding="utf-8-sig")
    gx_dir = tmp_path_factory.mktemp("datadocs") / "gx"
    shutil.copytree(run.settings.gx_dir, gx_dir)
    index = data_docs.build(replace(run.settings, gx_dir=gx_dir), run.validated.run_id)
    return run, index


def test_vendored_assets_are_the_pinned_ones_with_licences():
    assert data_docs.sri_verified() == {"popper.js/popper.min.js": True, "bootstrap/bootstrap.min.js": True}
    for local in set(data_docs.CDN.values()):
        folder = (data_docs.VENDOR / local).parent
        while folder.parent != data_docs.VENDOR:
            folder = folder.parent
        assert (data_docs.VENDOR / local).is_file(), local
        assert list(folder.glob("LICENSE*")), f"no licence in {folder.name}"


def test_no_page_or_stylesheet_references_the_internet(site):
    _, index = site
    root = index.parent
    written = [p for p in root.rglob("*") if p.suffix in (".html", ".css", ".svg") and "vendor" not in p.parts]
    assert len([p for p in written if p.suffix == ".html"]) >= len(suites.specs()) * 2
    leaks = {str(p.relative_to(root)): EXTERNAL.findall(p.read_text(encoding="utf-8")) for p in written}
    assert not {k: v for k, v in leaks.items() if v}
    # vendored stylesheets load nothing external (fonts are local, relative url()s)
    for css in (root / "static" / "vendor").rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?https?:|@import", text), css.name


def _open(browser, page_path: Path) -> tuple[list[str], object]:
    page = browser.new_page()
    attempts = block_off_machine(page)
    page.goto(page_path.as_uri(), wait_until="load", timeout=120_000)
    return attempts, page


def test_pages_work_in_a_browser_with_no_request_off_the_machine(site, browser, tmp_path):
    run, index = site
    validation_pages = sorted((index.parent / "validations").rglob(f"*{run.validated.run_id}*/**/*.html"))
    assert validation_pages
    population = next(p for p in validation_pages if "/ddss_population/" in p.as_posix())
    for path in (index, population):
        attempts, page = _open(browser, path)
        assert attempts == [], attempts
        # the vendored scripts ran: jQuery with bootstrap-table's plugin, icons' font loaded
        assert page.evaluate("typeof window.jQuery === 'function' && typeof jQuery.fn.bootstrapTable === 'function'")
        fonts = "document.fonts.ready.then(() => [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family))"
        assert any("Font Awesome" in f for f in page.evaluate(fonts))
        page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=False)
        page.close()
    attempts, page = _open(browser, population)
    text = page.inner_text("body")
    # GX's own sentences stay for native expectations (not SQL text)
    assert "values must never be null" in text and "must not match" in text, text[:3000]
    page.close()
    # the suite's page shows each expectation's notes: Vietnamese title, description,
    # dimension, severity (GX 1.24's validation pages do not render notes)
    attempts, page = _open(browser, index.parent / "expectations" / "ddss_population.html")
    assert attempts == []
    html = page.content()
    assert "Thiếu ngày sinh" in html and "Chiều / dimension" in html and "Chặn" in html
    page.close()
    # the index lists this run's suites (bootstrap-table builds that table with JavaScript)
    attempts, page = _open(browser, index)
    assert "ddss_population" in page.inner_text("body")
    page.close()


def test_no_personal_value_in_the_site(site):
    run, index = site
    con = duckdb.connect(str(run.settings.province_db("79")), read_only=True)
    try:
        rows = con.execute("SELECT person_id, full_name, CAST(date_of_birth AS VARCHAR) FROM stg_population").fetchall()
    finally:
        con.close()
    written = "\n".join(p.read_text(encoding="utf-8") for p in index.parent.rglob("*.html"))
    assert not [r[0] for r in rows if r[0] and len(r[0]) >= 9 and r[0] in written]
    assert not [r[1] for r in rows if r[1] and len(r[1].split()) >= 2 and r[1] in written]
    assert not [r[2] for r in rows if r[2] and r[2] in written]
