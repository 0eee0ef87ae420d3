"""The steward's report of a run: HTML pages, agency downloads, charts (offline).

``pages``: the run's pages under ``reports/<run_id>/``; ``inputs``: what they show;
``exports``: XLSX/CSV of findings for an agency (``xlsx``: the XLSX writer); ``charts``:
inline SVG; ``data_docs``: GX's Data Docs built and made offline (``gx_render``: the
Vietnamese line on validation-result rows; ``url_text``: no URL text in copied files).
"""

from ddss.report.exports import to_csv_bytes, write_csv, write_xlsx
from ddss.report.inputs import Scorecard, load_inputs, read_findings, scorecard_from_json
from ddss.report.pages import build_report, data_docs_index

__all__ = [
    "Scorecard",
    "build_report",
    "data_docs_index",
    "load_inputs",
    "read_findings",
    "scorecard_from_json",
    "to_csv_bytes",
    "write_csv",
    "write_xlsx",
]
