"""What ``build_report`` writes under ``reports/``: no personal value from the input (nor
under ``gx/``), no network address, downloads that open in Excel without running anything."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile

import openpyxl
import polars as pl
import pytest

from tests.report.conftest import FORMULA


def _text_of(path) -> str:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).write_csv()
    if path.suffix == ".xlsx":  # the workbook's XML parts (shared strings, sheets)
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    # Anything else as text; bytes that are not UTF-8 (GX's fonts, images) cannot hold a
    # leaked name or ID as text and are dropped rather than failing the scan.
    return path.read_bytes().decode("utf-8-sig", errors="ignore")


@pytest.fixture(scope="module")
def written(report_run) -> dict[str, str]:
    """Every file under reports/ (and, for the privacy scan, gx/) after the report step."""
    s = report_run.settings
    files = [p for p in s.reports_dir.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert kinds == {".html", ".csv", ".xlsx", ".parquet", ".json"}, kinds  # nothing unexpected
    out = {str(p.relative_to(s.reports_dir)): _text_of(p) for p in files}
    out |= {"gx/" + str(p.relative_to(s.gx_dir)): _text_of(p) for p in s.gx_dir.rglob("*") if p.is_file()}
    return out


@pytest.fixture(scope="module")
def personal(report_run) -> dict[str, set[str]]:
    """Raw IDs, full names and dates of birth (before 1990: no event date is that old)."""
    with (report_run.inbox / "population.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    ids = {r["person_id"] for r in rows if len(r["person_id"]) >= 9}
    names = {r["full_name"] for r in rows if len(r["full_name"].split()) >= 3}
    dates = set()
    for r in rows:
        try:
            d = dt.date.fromisoformat(r["date_of_birth"])
        except ValueError:
            continue
        if d < dt.date(1990, 1, 1):
            dates |= {d.isoformat(), d.strftime("%d/%m/%Y")}
    return {"id": ids, "name": names, "dob": dates}


@pytest.mark.parametrize("kind", ["id", "name", "dob"])
def test_no_personal_value_under_reports(written, personal, kind):
    assert len(personal[kind]) > 50, "the fixture found values to look for"
    pattern = re.compile("|".join(re.escape(v) for v in sorted(personal[kind], key=len, reverse=True)))
    leaks = {p: m.group(0)[:3] + "…" for p, t in written.items() if (m := pattern.search(t))}
    assert not leaks


def test_no_network_address_in_pages(written):
    pages = {p: t for p, t in written.items() if p.endswith(".html") and not p.startswith("gx/")}  # GX's: test_gx_data_docs
    assert len(pages) >= 4  # index, three agencies (and the guide)
    for path, text in pages.items():
        # The guide names the local findings browser (http://127.0.0.1:…); nothing else.
        assert not re.search(r"(?i)\b(https?|ftp|wss?):(?!//127\.0\.0\.1[:/])//", text), path
        assert not re.search(r"(?i)<(script|link|iframe|object|embed|img)\b", text), path
        assert not re.search(r'(?i)src\s*=\s*"//', text), path


def test_agency_downloads_are_formula_safe(report_run):
    exports = report_run.run_dir / "exports"
    text = (exports / "nnmt-phat-hien.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    decoded = text.decode("utf-8-sig")
    assert "Giá trị (đã che) / Value (masked)" in decoded.splitlines()[0]
    assert "'" + FORMULA.replace('"', '""') in decoded
    ws = openpyxl.load_workbook(exports / "nnmt-phat-hien.xlsx").active
    values = {c.value for row in ws.iter_rows(min_row=2) for c in row}
    assert "'" + FORMULA in values and FORMULA not in values
    rows = pl.read_parquet(report_run.run_dir / "findings.parquet")
    land = rows.filter(pl.col("dataset").is_in(["parcel", "certificate"])).height
    assert ws.max_row == land + 1  # every finding of the agency, plus the header


# A URL as text, in UTF-8/ASCII or UTF-16 (the encoding of font name tables): only the
# local findings browser's loopback address may appear.
_URL_BYTES = [
    re.compile(rb"(?i)https?://(?!127\.0\.0\.1[:/]|localhost[:/])"),
    re.compile(rb"(?i)h\x00t\x00t\x00p\x00(s\x00)?:\x00/\x00/\x00"),
    re.compile(rb"(?i)\x00h\x00t\x00t\x00p(\x00s)?\x00:\x00/\x00/"),
]


def test_no_url_text_in_any_file_written(report_run):
    """Every file under reports/ and gx/ after the report step (pages, vendored scripts
    and styles, licences, images, fonts, results, downloads), read as bytes."""
    s = report_run.settings
    files = [p for root in (s.reports_dir, s.gx_dir) for p in root.rglob("*") if p.is_file()]
    vendor = [p for p in files if "vendor" in p.parts]
    assert len(vendor) >= 20 and any(p.name.startswith("LICENSE") for p in vendor)  # the copies were scanned
    assert any(p.suffix == ".woff2" for p in vendor)
    leaks = {}
    for path in files:
        data = path.read_bytes()
        found = [m.group(0) for rx in _URL_BYTES for m in rx.finditer(data)]
        if found:
            leaks[str(path)] = found[:3]
    assert not leaks
