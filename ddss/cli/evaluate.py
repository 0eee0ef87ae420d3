"""`ddss evaluate`: compare a run's findings with a generator's ground-truth manifest."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = "Đối chiếu phát hiện của một lần kiểm tra với đáp án (manifest) của bộ sinh dữ liệu: cài, bắt, sót, nhầm."

__all__ = ["HELP", "command"]


def command(
    findings: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="Tệp findings.parquet hoặc findings.csv của lần kiểm tra."
    ),
    manifest: Path = typer.Option(..., exists=True, dir_okay=False, help="Tệp ground_truth/manifest.csv của bộ sinh dữ liệu."),
) -> None:
    import polars as pl

    from ddss.evaluate import evaluate, is_perfect, render

    found = pl.read_parquet(findings) if findings.suffix == ".parquet" else pl.read_csv(findings, infer_schema=False)
    table = evaluate(found, pl.read_csv(manifest, infer_schema=False))
    typer.echo(render(table))
    if not is_perfect(table):
        typer.echo("CÓ SAI LỆCH: có lỗi bị sót hoặc phát hiện nhầm.", err=True)
        raise typer.Exit(1)
    typer.echo("Bắt đủ và đúng mọi lỗi cài sẵn (độ phủ và độ chính xác 100 %).")
