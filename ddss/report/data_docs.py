"""GX's own Data Docs, built from GX's validations store and made to work offline.

``build`` asks GX (``context.build_data_docs()``) to render the stored results of a run
(or all of them) into the site ``local_site`` of the project's GX folder, then
``make_offline`` rewrites the site so nothing in it reaches the internet: GX's pages load
jQuery, Bootstrap, vega, Font Awesome ... from public CDNs and a logo from GX's server.
The exact versions GX asks for are vendored with their licences in
``ddss/report/static/datadocs/`` (see its README); they are copied to ``static/vendor/``
of the site and every reference is rewritten to a relative path, which works from
``file://``; URL text left in any copied file is made inert (``ddss.report.url_text``),
so no file of the site holds an address. Links to GX's web site become inert; the ``integrity``/``crossorigin``
attributes go too (a ``file:`` page cannot fetch with CORS; ``sri_verified`` proves the
vendored files are the ones those hashes name).

This is the report step's job, not validation's: ``ddss validate`` only stores results.
Results hold counts, never values (ddss.checks.gx_project.RESULT_FORMAT), so neither do
the pages.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from pathlib import Path

from ddss.checks import gx_project
from ddss.report import url_text
from ddss.settings import Settings

__all__ = ["CDN", "VENDOR", "build", "make_offline", "site_dir", "sri_verified"]

VENDOR = Path(__file__).resolve().parent / "static" / "datadocs"

# Every external asset GX 1.24.1's templates reference -> the vendored file (under VENDOR).
CDN: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/bootstrap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table/bootstrap-table-filter-control.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/vega-embed.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark/bootstrap-prefers-dark.min.css"
    ),
}
# GX's logo comes from its server; GX ships the same picture in the site's static/images.
_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[^\"'\s>]*/[\w.-]+(\?[^\"'\s>]*)?")
_SRI = re.compile(r'\s+integrity="(sha384-[^"]+)"|\s+crossorigin="anonymous"')
_LEFT_LINK = re.compile(r"""(href|src)=(["'])https?://[^"']*\2""")
_TTF_SRC = re.compile(r',url\([^)]*\.ttf\) format\("truetype"\)')
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.S)


def site_dir(settings: Settings) -> Path:
    return settings.gx_dir / "uncommitted" / "data_docs" / gx_project.SITE


def build(settings: Settings, run_id: str | None = None) -> Path:
    """Render the stored results of ``run_id`` (None: every stored result) with GX and make
    the site offline; returns its index.html."""
    import great_expectations as gx

    from ddss.report.gx_render import SECTION_BUILDERS

    ctx = gx.get_context(mode="file", context_root_dir=str(gx_project.context_dir(settings)))
    # In memory only (never saved): the committed great_expectations.yml stays stock GX.
    sites = dict(ctx.variables.data_docs_sites or {})
    sites[gx_project.SITE] = {**sites[gx_project.SITE], "site_section_builders": SECTION_BUILDERS}
    ctx.variables.data_docs_sites = sites
    ids = None
    if run_id is not None:
        ids = [k for k in ctx.validation_results_store.list_keys() if k.run_id.run_name == run_id]
        ids += ctx.expectations_store.list_keys()  # the suites' own pages (what each check is)
    ctx.build_data_docs(site_names=[gx_project.SITE], resource_identifiers=ids)
    site = site_dir(settings)
    make_offline(site)
    return site / "index.html"


def _rewrite(html: str, to_static: str) -> str:
    for url, local in CDN.items():
        html = html.replace(f'"{url}"', f'"{to_static}/vendor/{local}"')
    html = _SRI.sub("", html)
    html = _LOGO.sub(f"{to_static}/images/logo-long.png", html)
    html = _LEFT_LINK.sub(lambda m: f'{m.group(1)}="#"' if m.group(1) == "href" else 'src=""', html)
    # Any URL still in the text (a credit line) is shown without being a link or a request.
    return url_text.neutralise(html, ".html")


def _copy_vendor(dest: Path) -> None:
    """The vendored assets, every text file neutralised (licences defanged beside them)."""
    for src in VENDOR.rglob("*"):
        if src.is_dir() or src.suffix == ".ttf":  # woff2 only: every browser the steward has reads it
            continue
        out = dest / src.relative_to(VENDOR)
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix.lower() in url_text.TEXT_SUFFIXES:
            text = src.read_text(encoding="utf-8")
            if src.suffix == ".css":
                text = _TTF_SRC.sub("", text)
            out.write_text(url_text.neutralise(text, src.suffix), encoding="utf-8")
        else:
            shutil.copyfile(src, out)


def _neutralise_file(path: Path, text: str) -> None:
    path.write_text(url_text.neutralise(text, path.suffix), encoding="utf-8")


def make_offline(site: Path) -> list[Path]:
    """Copy the vendored assets into ``site/static/vendor`` and rewrite every page to use
    them; no file of the site is left with URL text. Returns the pages rewritten."""
    static = site / "static"
    vendor = static / "vendor"
    shutil.rmtree(vendor, ignore_errors=True)  # no file of an earlier copy (a .ttf) lingers
    _copy_vendor(vendor)
    # GX copies its HKGrotesk fonts (URLs in their name tables) but no page or style of
    # 1.24.1 uses them.
    shutil.rmtree(static / "fonts", ignore_errors=True)
    for svg in (static / "images").glob("*.svg"):  # GX's own pictures carry an editor's URL in a comment
        _neutralise_file(svg, _SVG_COMMENT.sub("", svg.read_text(encoding="utf-8")))
    for css in (static / "styles").glob("*.css"):  # the dark-mode logo
        _neutralise_file(css, _LOGO.sub("../images/logo-long.png", css.read_text(encoding="utf-8")))
    pages = []
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        to_static = Path(os.path.relpath(static, page.parent)).as_posix()
        new = _rewrite(text, to_static)
        if new != text:
            page.write_text(new, encoding="utf-8")
            pages.append(page)
    return pages


def sri_verified() -> dict[str, bool]:
    """For each asset GX pins by a Subresource Integrity hash: does the vendored file match it?"""
    from importlib.resources import files

    templates = files("great_expectations.render.view") / "templates"
    text = (templates / "js_script_imports.j2").read_text(encoding="utf-8")
    out = {}
    for url, digest in re.findall(r'src="(https://[^"]+)" integrity="sha384-([^"]+)"', text):
        data = (VENDOR / CDN[url]).read_bytes()
        out[CDN[url]] = base64.b64encode(hashlib.sha384(data).digest()).decode() == digest
    return out
