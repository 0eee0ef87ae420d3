"""`ddss demo`: the whole path on a synthetic province, from nothing to findings.

generate (with known defects) -> ingest -> validate -> compare with the ground truth.
Runs through Prefect (a local, temporary server; telemetry off) unless --no-prefect.
Everything lands in ``<data_dir>/demo/`` and ``reports/<run_id>/`` (or in ``--workdir``). Each
run resets only what a demo made (folders carrying the demo's marker), never other data.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import typer

HELP = "Chạy thử toàn bộ quy trình trên một tỉnh mẫu: sinh dữ liệu → nạp → kiểm tra → đối chiếu đáp án."

__all__ = ["HELP", "command"]


def command(
    province: str = typer.Option("79", help="Mã tỉnh (34 tỉnh, thành sau 01/07/2025)."),
    persons: int = typer.Option(3000, min=100, help="Số người trong dữ liệu dân cư mẫu."),
    defect_rate: float = typer.Option(0.01, min=0.0, max=0.2, help="Tỷ lệ lỗi cài sẵn."),
    seed: int = typer.Option(7, help="Hạt giống ngẫu nhiên (cùng hạt giống ⇒ cùng dữ liệu)."),
    prefect: bool = typer.Option(True, "--prefect/--no-prefect", help="Chạy qua Prefect (mặc định) hay gọi hàm trực tiếp."),
    workdir: Path = typer.Option(None, help="Đặt data/, reports/, gx/ của lần chạy thử vào thư mục này (mặc định: của dự án)."),
) -> None:
    from ddss.cli.errors import handled
    from ddss.settings import Settings

    with handled():
        base = Settings.load()
    if workdir:
        workdir = workdir.expanduser().resolve()
        settings = replace(base, data_dir=workdir / "data", reports_dir=workdir / "reports", gx_dir=workdir / "gx")
    else:
        settings = replace(base, data_dir=base.data_dir / "demo")
    with handled(settings.data_dir):
        _reset(settings.data_dir, province, owned=workdir is None)
        settings.require_writable("data_dir", "reports_dir", "gx_dir")
    out = settings.data_dir / "batch"
    t0 = time.perf_counter()

    typer.echo(f"ddss demo — tỉnh {province}, {persons} người, tỷ lệ lỗi {defect_rate:.1%}, hạt giống {seed}")
    typer.echo("\n[1/4] Sinh dữ liệu mẫu (có lỗi cài sẵn và đáp án)")
    gen = _generate(province, persons, seed, defect_rate, out)
    typer.echo(f"      {gen.summary_vi()}")

    typer.echo(
        "\n[2/4] Quy trình của tỉnh: nạp lô tệp vào DuckDB → kiểm tra bằng Great Expectations → chấm điểm → báo cáo → xét chuyển"
        + (" (Prefect flow)" if prefect else "")
    )
    as_of = _as_of(out)
    if prefect:
        from flows.pipeline import province_pipeline

        state = province_pipeline(
            province,
            str(out / "inbox"),
            as_of.isoformat(),
            str(settings.data_dir),
            str(settings.reports_dir),
            str(settings.gx_dir),
            return_state=True,
        )
        if not state.is_completed():
            from ddss.gate import RunNotPassed

            try:
                state.result()
            except RunNotPassed:
                pass  # không đạt ends the flow Failed; the demo still shows what it found
    else:
        from ddss.pipeline import run

        run(settings, province, out / "inbox", as_of)

    from ddss.cli import summary

    typer.echo("\n[3/4] Kết quả: lô tệp, phát hiện theo chiều (đúng, đủ, sạch, sống), bảng điểm, xét chuyển")
    typer.echo(summary.batches(settings, province))
    run_id, findings = summary.latest_findings(settings, province)
    typer.echo(summary.dimensions(findings))
    typer.echo(f"      Phát hiện chi tiết (đã che dữ liệu cá nhân): {settings.reports_dir / run_id}")
    index = settings.reports_dir / run_id / "index.html"
    if index.exists():
        typer.echo(f"      Báo cáo HTML (mở bằng trình duyệt, không cần mạng): {index}")
    from ddss.cli.gate import outcome_text

    typer.echo("\n      Bảng điểm và xét chuyển lên CSDL quốc gia")
    typer.echo(outcome_text(settings, province, run_id))

    typer.echo("\n[4/4] Đối chiếu phát hiện với đáp án của bộ sinh dữ liệu")
    import polars as pl

    from ddss.evaluate import evaluate, is_perfect, render

    table = evaluate(findings, pl.read_csv(gen.manifest_path, infer_schema=False))
    typer.echo(render(table))
    perfect = is_perfect(table)
    verdict = "Bắt đủ và đúng mọi lỗi cài sẵn." if perfect else "CÓ SAI LỆCH so với đáp án."
    typer.echo(f"\nXong sau {time.perf_counter() - t0:.1f} giây. {verdict}")
    if not perfect:
        from ddss.exit_codes import ExitCode

        raise typer.Exit(int(ExitCode.GROUND_TRUTH_MISMATCH))


MARKER = ".ddss-demo"  # in a data folder the demo made; only such a folder is ever reset


def _reset(data_dir: Path, province: str, owned: bool) -> None:
    """Start the demo from nothing, deleting only what a demo made: in a folder carrying
    the demo's marker, the generated batch, the province file and its quarantine. A folder
    the demo did not make (a real data folder given as --workdir) is never touched: the demo
    refuses to run in it instead. ``owned``: the project's own ``<data_dir>/demo``, the demo's by definition."""
    from ddss.exit_codes import ExitCode

    if not owned and data_dir.exists() and not (data_dir / MARKER).exists():
        if any(data_dir.iterdir()):
            typer.echo(
                f"Thư mục {data_dir} đã có dữ liệu không do lệnh demo tạo ra; demo không xoá nó. Hãy chọn một --workdir "
                f"trống. / {data_dir} holds data the demo did not create; the demo will not delete it. "
                "Choose an empty --workdir.",
                err=True,
            )
            raise typer.Exit(int(ExitCode.BAD_INPUT))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("ddss demo\n", encoding="utf-8")
    for made in (data_dir / "batch", data_dir / "quarantine" / province):
        shutil.rmtree(made, ignore_errors=True)
    for suffix in ("", ".wal", ".tmp"):
        db = data_dir / f"province_{province}.duckdb{suffix}"
        if db.is_dir():
            shutil.rmtree(db, ignore_errors=True)
        else:
            db.unlink(missing_ok=True)


def _generate(province: str, persons: int, seed: int, rate: float, out: Path):
    from generators.province import generate

    return generate(
        province=province,
        persons=persons,
        seed=seed,
        defect_rate=rate,
        fmt="csv",
        out=out,
        headers="vi",
        dates="vn",
        decimal_comma=True,
        encoding="utf-8-sig",
    )


def _as_of(out: Path):
    import datetime as dt
    import json

    params = json.loads((out / "ground_truth" / "params.json").read_text(encoding="utf-8"))
    return dt.date.fromisoformat(params["as_of"])
