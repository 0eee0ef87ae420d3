"""The report's parts rewritten for scale (issue #21) give what the plain forms give: an agency
page's rows per check (one sort instead of a filter per check), the CSV download written
straight to its file, and ``build_report`` failing when a download cannot be written while
the other downloads run on threads."""

from __future__ import annotations

import polars as pl
import pytest

from ddss.report import exports, pages


def _findings() -> pl.DataFrame:
    """Two checks on two datasets, rows out of order, a null row number, ties, and one check
    with more rows than a page shows."""
    many = pages.ROWS_PER_CHECK + 7
    rows = [("parcel", "parcel.land_use_unknown", "sach", "blocking", r) for r in range(many, 0, -1)]
    rows += [("parcel", "parcel.area_range", "dung", "warning", r) for r in (5, None, 2, 2, 9)]
    rows += [("population", "parcel.area_range", "dung", "warning", 3)]  # same check id, another dataset
    rows += [("population", "population.id_format", "dung", "blocking", r) for r in (8, 1)]
    return pl.DataFrame(
        {
            "dataset": [r[0] for r in rows],
            "check_id": [r[1] for r in rows],
            "dimension": [r[2] for r in rows],
            "severity": [r[3] for r in rows],
            "source_row": [r[4] for r in rows],
            "value": [f"v{i}" for i in range(len(rows))],
        },
        schema_overrides={"source_row": pl.Int64},
    )


def _plain_rows(findings: pl.DataFrame, check_id: str, dataset: str) -> list[dict]:
    """The form the page used before: a filter and a sort per check."""
    own = findings.filter(pl.col("check_id") == check_id, pl.col("dataset") == dataset)
    return list(own.sort("source_row", nulls_last=True, maintain_order=True).head(pages.ROWS_PER_CHECK).iter_rows(named=True))


def test_rows_per_check_equal_a_filter_per_check():
    findings = _findings()
    groups = pages._groups(findings)
    assert len(groups) == 4
    for g in groups:
        assert g["rows"] == _plain_rows(findings, g["check_id"], g["dataset"]), (g["check_id"], g["dataset"])
    big = next(g for g in groups if g["check_id"] == "parcel.land_use_unknown")
    assert big["count"] == pages.ROWS_PER_CHECK + 7 and len(big["rows"]) == pages.ROWS_PER_CHECK
    assert [r["source_row"] for r in big["rows"]][:3] == [1, 2, 3]
    area = next(g for g in groups if g["check_id"] == "parcel.area_range" and g["dataset"] == "parcel")
    assert [r["source_row"] for r in area["rows"]] == [2, 2, 5, 9, None]
    assert [g["severity"] for g in groups][:2] == ["blocking", "blocking"]  # blocking checks first


def test_rows_per_check_of_no_findings():
    assert pages._groups(_findings().clear()) == []


def test_csv_file_equals_the_csv_bytes(tmp_path):
    findings = _findings().with_columns(pl.lit("=1+1").alias("message_vi"))
    path = exports.write_csv(findings, tmp_path / "f.csv")
    assert path.read_bytes() == exports.to_csv_bytes(findings)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"'=1+1" in path.read_bytes()


def test_a_download_that_cannot_be_written_fails_the_report(report_run, tmp_path):
    """The downloads run on threads; an error there still reaches the caller (here a folder
    stands where the land agency's XLSX goes)."""
    import shutil

    from ddss.report import build_report

    run_dir = tmp_path / "reports" / report_run.run_id
    shutil.copytree(report_run.run_dir, run_dir)
    target = run_dir / "exports" / "nnmt-phat-hien.xlsx"
    target.unlink()
    target.mkdir()
    settings = report_run.settings.__class__.load(
        report_run.settings.root, data_dir=report_run.settings.data_dir, reports_dir=tmp_path / "reports", gx_dir=tmp_path / "gx"
    )
    with pytest.raises(IsADirectoryError):
        build_report(settings, "79", report_run.run_id, data_docs=False)


def test_repeated_text_goes_to_shared_strings_and_reads_back_as_written():
    """Values that repeat are written once (shared strings); every cell reads back as it was,
    text stays text (never a formula or a number) and a unique column stays inline."""
    import io
    import zipfile

    import openpyxl

    from ddss.report.xlsx import write_table

    values = ["a & <b>x</b>", "  lề trái", "ctl\x01x\rend", "_x0041_", '\'=HYPERLINK("#x";"y")', "0012", None, "Nguyễn"]
    frame = pl.DataFrame({"Giá trị": values * 4, "Khoá": [f"k{i}" for i in range(32)], "Dòng": list(range(32))})
    buf = io.BytesIO()
    write_table(frame, buf, "Phát hiện")
    with zipfile.ZipFile(buf) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        shared = z.read("xl/sharedStrings.xml").decode()
    assert shared.count("<si>") == 7 and "a &amp; &lt;b&gt;x&lt;/b&gt;" in shared  # each distinct value once, escaped
    assert 't="s"' in sheet and "k31" in sheet and "k31" not in shared  # the unique column stays inline
    assert "<f>" not in sheet
    back = pl.read_excel(io.BytesIO(buf.getvalue()), sheet_id=1)
    assert back.to_dicts() == frame.to_dicts()
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert [ws.cell(r, 1).value for r in (2, 3, 6, 7, 9)] == ["a & <b>x</b>", "  lề trái", values[4], "0012", "Nguyễn"]
    assert ws.cell(7, 1).data_type == "s" and ws.cell(9, 1).value == "Nguyễn"


def _plain_send_back(findings: pl.DataFrame, datasets: list[str]) -> list[dict]:
    """The form the page used before: a string key per record and a pass per dataset."""
    out = []
    for d in datasets:
        f = findings.filter(pl.col("dataset") == d)
        key = pl.concat_str(
            [pl.col("source_file").fill_null(""), pl.col("source_row").cast(pl.Utf8).fill_null("*")], separator="#"
        )
        blocking = f.filter(pl.col("severity") == "blocking").select(key.alias("k"))["k"].unique()
        warned = f.filter(pl.col("severity") != "blocking").select(key.alias("k"))["k"].unique()
        out.append(
            {
                "dataset": d,
                "records_blocking": blocking.len(),
                "records_warning_only": warned.filter(~warned.is_in(blocking.implode())).len(),
                "findings": f.height,
            }
        )
    return out


def test_records_to_send_back_equal_a_pass_per_dataset():
    findings = _findings().with_columns(source_file=pl.col("dataset") + ".csv")
    # a record with a blocking finding and a warning counts once, as blocking
    findings = pl.concat([findings, findings.head(1).with_columns(severity=pl.lit("warning"), check_id=pl.lit("x.y"))])
    datasets = ["parcel", "population", "birth"]  # birth: no findings at all
    got = pages._send_back(findings, datasets)
    assert got == _plain_send_back(findings, datasets)
    assert got[0] == {"dataset": "parcel", "records_blocking": 207, "records_warning_only": 1, "findings": 213}
    assert got[2] == {"dataset": "birth", "records_blocking": 0, "records_warning_only": 0, "findings": 0}
