"""Small table-driven tests of the report's parts: formula-safe exports, the scorecard
reader, the SVG charts, the findings query and the server's access rules."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import polars as pl
import pytest

from ddss.mask import excel_safe
from ddss.report import exports
from ddss.report.charts import trend
from ddss.report.inputs import scorecard_from_json
from ddss.serve import query

HOSTILE = '=HYPERLINK("#x";"y")'


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("ODT", "ODT"),  # lawful: untouched
        ("Nguyễn V. A.", "Nguyễn V. A."),
        ("079******345", "079******345"),
        ("a=b", "a=b"),  # only a leading sign is dangerous
        (HOSTILE, "'" + HOSTILE),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (None, None),
        (12, 12),
    ],
)
def test_excel_safe(cell, expected):
    assert excel_safe(cell) == expected


def _findings(values: list[str | None]) -> pl.DataFrame:
    n = len(values)
    return pl.DataFrame(
        {
            "run_id": ["r"] * n,
            "dataset": ["parcel"] * n,
            "source_file": ["parcel.csv"] * n,
            "source_row": list(range(1, n + 1)),
            "record_key": [f"25747|{i}|1" for i in range(n)],
            "check_id": ["parcel.land_use_unknown"] * n,
            "dimension": ["sach"] * n,
            "severity": ["blocking"] * n,
            "value": values,
            "message_vi": ["Mã mục đích sử dụng sai danh mục"] * n,
        },
        schema_overrides={"source_row": pl.Int64},
    )


def test_csv_export_has_bom_vietnamese_headers_and_neutralised_cells():
    data = exports.to_csv_bytes(_findings(["ODT", HOSTILE, "+1"]))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    header = text.splitlines()[0]
    assert "Tập dữ liệu" in header and "Giá trị (đã che)" in header and "Chiều chất lượng" in header
    assert '"\'=HYPERLINK(""#x"";""y"")"' in text
    assert '"\'+1"' in text and '"ODT"' in text
    assert '"Sạch"' in text and '"Chặn"' in text  # labels, not codes
    read = pl.read_csv(io.BytesIO(data), infer_schema=False)
    assert read.height == 3


def test_xlsx_export_writes_text_never_formulas(tmp_path):
    path = exports.write_xlsx(_findings(["ODT", HOSTILE]), tmp_path / "f.xlsx")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula cell at all
    ws = openpyxl.load_workbook(path).active
    headers = [c.value for c in ws[1]]
    assert "Giá trị (đã che) / Value (masked)" in headers
    col = headers.index("Giá trị (đã che) / Value (masked)") + 1
    assert ws.cell(2, col).value == "ODT"
    assert ws.cell(3, col).value == "'" + HOSTILE
    assert ws.cell(3, col).data_type == "s"


def test_scorecard_reader_accepts_aliases_and_verdict_words():
    sc = scorecard_from_json(
        {
            "verdict": "không đạt",
            "reasons": [{"vi": "Tập parcel dưới ngưỡng"}, "Lý do hai"],
            "cells": [
                {"dataset": "parcel", "dimension": "dung", "score_pct": 80, "threshold": 0.95, "status": "khong_dat"},
                {"dataset": "birth", "dimension": "du", "score": 1.0, "passed": True},
                {"dataset": "birth", "dimension": "overall", "score": 1.0},  # not a dimension: left out
            ],
            "history": [{"run_id": "a", "at": "2026-11-01", "dataset": "parcel", "dimension": "dung", "score": 0.9}],
        }
    )
    assert sc.passed is False
    assert sc.reasons == ("Tập parcel dưới ngưỡng", "Lý do hai")
    assert [(c.agency, c.dataset, c.score, c.passed) for c in sc.cells] == [
        ("nnmt", "parcel", 0.8, False),
        ("tu_phap", "birth", 1.0, True),
    ]
    assert sc.history[0].agency == "nnmt"
    assert scorecard_from_json({"passed": True}).passed is True
    assert scorecard_from_json({}).passed is None


def test_trend_chart_is_inline_svg_with_escaped_labels():
    svg = str(trend({"<b>x</b>": [("r1", 0.9), ("r2", 0.97)]}, threshold=0.95, title="<script>t</script>"))
    assert svg.startswith("<svg") and svg.count("<circle") == 2 and "<polyline" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert "http" not in svg
    assert "chưa có dữ liệu" in str(trend({}))


@pytest.fixture
def run_folder(tmp_path):
    df = _findings(["ODT", HOSTILE, None, "LUA"]).vstack(
        _findings(["x"]).with_columns(
            pl.lit("population").alias("dataset"),
            pl.lit("population.stale").alias("check_id"),
            pl.lit("song").alias("dimension"),
            pl.lit("warning").alias("severity"),
        )
    )
    folder = tmp_path / "20261101T000000-79-abcdef"
    folder.mkdir()
    df.write_parquet(folder / "findings.parquet")
    return folder


@pytest.mark.parametrize(
    ("filters", "total"),
    [
        ({}, 5),
        ({"agency": "nnmt"}, 4),
        ({"agency": "cong_an"}, 1),
        ({"severity": "warning", "dataset": "population"}, 1),
        ({"check_id": "parcel.land_use_unknown", "dimension": "song"}, 0),
        ({"agency": "x' OR '1'='1"}, 0),  # a bound parameter, not SQL
        ({"not_a_column": "x"}, 5),  # unknown filters are dropped
    ],
)
def test_query_filters(run_folder, filters, total):
    assert query.page(run_folder / "findings.parquet", query.FindingsQuery(filters)).total == total


def test_query_sorts_and_pages(run_folder):
    parquet = run_folder / "findings.parquet"
    first = query.page(parquet, query.FindingsQuery({"agency": "nnmt"}, sort="source_row", descending=True, size=3))
    assert [r["source_row"] for r in first.rows] == [4, 3, 2] and first.pages == 2
    second = query.page(parquet, query.FindingsQuery({"agency": "nnmt"}, sort="source_row", descending=True, size=3, page=2))
    assert [r["source_row"] for r in second.rows] == [1]
    bad_sort = query.page(parquet, query.FindingsQuery(sort="value; DROP TABLE x"))
    assert bad_sort.query.sort == "dataset" and bad_sort.total == 5
    assert dict(query.facets(parquet)["agency"]) == {"cong_an": 1, "nnmt": 4}


@pytest.mark.parametrize("run_id", ["..", "../x", "a/b", "", "x" * 200, "nope"])
def test_run_dir_refuses_anything_but_a_run(run_folder, run_id):
    with pytest.raises((ValueError, FileNotFoundError)):
        query.run_dir(run_folder.parent, run_id)


def test_server_token_and_downloads(run_folder, settings):
    from fastapi.testclient import TestClient

    from ddss.serve import create_app

    s = type(settings)(**{**settings.__dict__, "reports_dir": run_folder.parent})
    run = run_folder.name
    token = "t" * 20
    guarded = TestClient(create_app(s, token=token))
    assert guarded.get("/").status_code == 401
    assert guarded.get("/", headers={"Authorization": "Bearer wrong-token-xxxxxxx"}).status_code == 401
    assert guarded.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert guarded.get(f"/?token={token}").status_code == 200
    assert guarded.get(f"/runs/{run}/findings").status_code == 200  # the cookie set above

    open_ = TestClient(create_app(s))
    r = open_.get(f"/runs/{run}/findings.csv?agency=nnmt")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert r.content.decode("utf-8-sig").count("\r\n") == 5  # header + 4 rows
    assert "'=HYPERLINK" in r.content.decode("utf-8-sig")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    x = open_.get(f"/runs/{run}/findings.xlsx?severity=warning")
    assert x.status_code == 200 and openpyxl.load_workbook(io.BytesIO(x.content)).active.max_row == 2
    assert open_.get("/runs/..%2F..%2Fetc/findings").status_code == 404
    j = open_.get(f"/api/runs/{run}/findings?dataset=parcel&size=2&page=2").json()
    assert (j["total"], j["page"], j["pages"], len(j["rows"])) == (4, 2, 2, 2)


def test_server_start_up_loads_the_newest_run_before_serving(run_folder, settings):
    """Start-up (the lifespan uvicorn runs before it listens) copies the newest run into
    memory and sends its first page once through the whole app, token guard included."""
    from fastapi.testclient import TestClient

    from ddss.serve import create_app

    newest = run_folder.parent / "20261102T000000-79-newest"  # later than run_folder's run
    newest.mkdir()
    pl.read_parquet(run_folder / "findings.parquet").head(2).write_parquet(newest / "findings.parquet")
    s = type(settings)(**{**settings.__dict__, "reports_dir": run_folder.parent})
    app = create_app(s, token="t" * 20)
    loaded = set(query._TABLES)
    with TestClient(app):
        assert app.state.warmed == (newest.name, 200)
        new = set(query._TABLES) - loaded  # only the newest run, before any request
        assert [k[0] for k in new] == [str((newest / "findings.parquet").resolve())]
    (newest / "findings.parquet").write_bytes(b"PAR1 not a parquet file")  # a damaged newest run
    app = create_app(s)
    with TestClient(app) as client:  # start-up does not fail on it ...
        assert app.state.warmed == (newest.name, None)
        assert client.get(f"/runs/{run_folder.name}/findings").status_code == 200  # ... and other runs are served


@pytest.mark.parametrize(
    ("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.0.0.5", False)]
)
def test_serve_binds_wider_only_with_token(host, loopback):
    from typer.testing import CliRunner

    from ddss.cli.app import app
    from ddss.cli.serve import is_loopback

    assert is_loopback(host) is loopback
    if not loopback:
        result = CliRunner().invoke(app, ["serve", "--host", host, "--port", "1"], env={"DDSS_SERVE_TOKEN": ""})
        assert result.exit_code == 2
        assert "mã truy cập" in result.output


def test_guide_covers_dimensions_severities_and_every_exit_code():
    import re
    import unicodedata
    from pathlib import Path

    from ddss.exit_codes import ExitCode

    text = (Path(__file__).resolve().parents[2] / "docs" / "huong-dan.md").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    for word in ("**Đúng**", "**Đủ**", "**Sạch**", "**Sống**", "**Chặn**", "**Cảnh báo**", "**ĐẠT**", "**KHÔNG ĐẠT**"):
        assert word in text, word
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| \S", text, re.M), f"exit code {int(code)} ({code.name}) missing from the guide"
    assert not re.search(r"https?://(?!127\.0\.0\.1)", text)  # the guide is read offline too


def test_default_order_is_the_files_and_deep_pages_match_it(run_folder):
    """Validate writes findings sorted; the browser's default order is that file order."""
    parquet = run_folder / "findings.parquet"
    on_disk = pl.read_parquet(parquet)
    for number in (1, 2, 3):
        got = query.page(parquet, query.FindingsQuery(size=2, page=number)).rows
        assert [r["record_key"] for r in got] == on_disk["record_key"].slice((number - 1) * 2, 2).to_list()
    backwards = query.page(parquet, query.FindingsQuery(size=2, descending=True)).rows
    assert [r["record_key"] for r in backwards] == on_disk["record_key"].reverse().head(2).to_list()


def test_trend_keeps_each_run_in_its_place():
    """A dataset present only in the last run is drawn at the last run, not the first."""
    import re

    svg = str(trend({"a": [("r1", 0.9), ("r2", 0.95), ("r3", 0.97)], "b": [("r3", 0.99)]}, runs=["r1", "r2", "r3"]))
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert len(xs) == 4 and xs[0] < xs[1] < xs[2] == xs[3]


def test_serve_refuses_a_port_in_use():
    import socket

    from typer.testing import CliRunner

    from ddss.cli.app import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert "--port" in result.output
