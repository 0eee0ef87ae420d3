"""Small table-driven tests of the report's writers: URL text made inert in copied assets,
the Vietnamese line on GX's validation-result rows (escaped), the fast XLSX writer."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import polars as pl
import pytest

from ddss.report import url_text
from ddss.report.xlsx import write_table


@pytest.mark.parametrize(
    ("suffix", "text", "expected"),
    [
        ("", "No URL here: see LICENSE.", "No URL here: see LICENSE."),  # lawful: untouched
        (".js", 'a.startsWith("http://")', 'a.startsWith("http\\u003a//")'),  # same value at run time
        (
            ".js",
            "document.createElementNS('http://www.w3.org/2000/svg','g')",
            "document.createElementNS('http\\u003a//www.w3.org/2000/svg','g')",
        ),
        (".js", "/*! v1 | https://jquery.org/license */", "/*! v1 | hxxps://jquery.org/license */"),
        (".js", 'Error("needs Popper (https://popper.js.org/)")', 'Error("needs Popper (hxxps://popper.js.org/)")'),
        (
            ".json",
            '{"$schema": "https://vega.github.io/schema/vega/v5.json"}',
            '{"$schema": "https\\u003a//vega.github.io/schema/vega/v5.json"}',
        ),
        (
            ".css",
            "url(\"data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'%3e\")",
            "url(\"data:image/svg+xml,%3csvg xmlns='http%3A//www.w3.org/2000/svg'%3e\")",
        ),
        (".css", "/*! Bootstrap (https://getbootstrap.com/) */", "/*! Bootstrap (hxxps://getbootstrap.com/) */"),
        (
            ".svg",
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">',
            '<svg xmlns="http&#58;//www.w3.org/2000/svg" xmlns:xlink="http&#58;//www.w3.org/1999/xlink">',
        ),
        (".txt", "Licensed at HTTPS://opensource.org/licenses/MIT", "Licensed at HxxPS://opensource.org/licenses/MIT"),
        (".html", "<p>Made by https://greatexpectations.io</p>", "<p>Made by hxxps://greatexpectations.io</p>"),
    ],
)
def test_url_text_neutralised(suffix, text, expected):
    out = url_text.neutralise(text, suffix)
    assert out == expected
    assert not url_text.URL.search(out)


def test_validation_result_row_gets_escaped_vietnamese_line():
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.render.view.view import DefaultJinjaComponentView

    from ddss.report.gx_render import VietnameseValidationResultsTable

    def html_of(meta: dict) -> str:
        cfg = ExpectationConfiguration(type="expect_column_values_to_not_be_null", kwargs={"column": "d"}, meta=meta)
        evr = ExpectationValidationResult(
            success=False, expectation_config=cfg, result={"element_count": 10, "unexpected_count": 2, "unexpected_percent": 20.0}
        )
        block = VietnameseValidationResultsTable.render([evr]).to_json_dict()
        return DefaultJinjaComponentView().render(
            {"content_block": block, "section_loop": {"index": 1}, "content_block_loop": {"index": 1}}
        )

    html = html_of({"title_vi": "Thiếu <b>ngày</b> sinh", "check_id": "p.dob", "dimension": "du", "severity": "blocking"})
    assert "values must never be null" in html  # GX's sentence stays
    assert "Thiếu &lt;b&gt;ngày&lt;/b&gt; sinh" in html and "<b>ngày" not in html
    assert "(p.dob) · Chiều / dimension: Đủ (du) · Mức / severity: Chặn (blocking)" in html
    assert "ddss-meta" not in html_of({})  # an expectation ddss did not write: GX's row as it was


def _read_back(data: bytes) -> tuple[pl.DataFrame, openpyxl.Workbook]:
    return pl.read_excel(io.BytesIO(data), sheet_id=1), openpyxl.load_workbook(io.BytesIO(data))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("ODT", "ODT"),  # lawful
        ("Nguyễn V. A.", "Nguyễn V. A."),
        ("a & <b>x</b>", "a & <b>x</b>"),  # XML-escaped, read back as written
        ("  lề trái", "  lề trái"),  # spaces kept
        ("dòng\nhai", "dòng\nhai"),
        ("ctl\x01x\rend", "ctl\x01x\rend"),  # XML cannot hold these: Excel's _xHHHH_
        ("_x0041_", "_x0041_"),  # a literal escape stays literal
        ('\'=HYPERLINK("#x";"y")', '\'=HYPERLINK("#x";"y")'),  # text, never a formula
        ("0012", "0012"),  # text, never a number
        (None, None),
    ],
)
def test_xlsx_cells_read_back_as_written(cell, expected):
    buf = io.BytesIO()
    write_table(pl.DataFrame({"Giá trị / Value": [cell], "Dòng / Row": [7]}), buf, "Phát hiện")
    frame, book = _read_back(buf.getvalue())
    assert frame.columns == ["Giá trị / Value", "Dòng / Row"]
    assert frame.row(0) == (expected, 7)
    with zipfile.ZipFile(buf) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    assert book.active.cell(2, 2).value == 7 and book.active.cell(2, 2).data_type == "n"


def test_xlsx_layout_header_filter_and_note():
    df = pl.DataFrame({"Cơ quan / Agency": ["tu_phap", None, "nnmt"], "Dòng / Row": [1, 2, None], "x": [1.5, float("nan"), None]})
    buf = io.BytesIO()
    write_table(df, buf, "Phát hiện", widths=[22, 14, 9], note=("Ghi chú", "Chỉ 3 / 5 dòng <đầu>"))
    frame, book = _read_back(buf.getvalue())
    assert frame.to_dicts() == [
        {"Cơ quan / Agency": "tu_phap", "Dòng / Row": 1, "x": 1.5},
        {"Cơ quan / Agency": None, "Dòng / Row": 2, "x": None},  # NaN: an empty cell
        {"Cơ quan / Agency": "nnmt", "Dòng / Row": None, "x": None},
    ]
    ws, note = book.worksheets
    assert (ws.title, note.title) == ("Phát hiện", "Ghi chú")
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C4"
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert ws.column_dimensions["A"].width == 22
    assert note["A1"].value == "Chỉ 3 / 5 dòng <đầu>"
