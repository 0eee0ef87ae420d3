"""`ddss gate`: promote a validated run's lawful records to the national database, hold the rest."""

from __future__ import annotations

import typer

HELP = (
    "Xét chuyển dữ liệu lên CSDL quốc gia: bản ghi không có lỗi chặn được chuyển, bản ghi có lỗi bị giữ lại"
    " kèm lý do; --revert RUN hoàn tác một lần xét chuyển."
)

__all__ = ["HELP", "command", "decisions_table", "outcome_text"]


def decisions_table(result) -> str:  # noqa: ANN001 - ddss.gate.GateResult
    from ddss.cli.summary import table
    from ddss.scorecard import DATASET_LABELS

    rows = [
        [DATASET_LABELS[d.dataset][0], d.staged, d.promoted, d.held, d.inserted, d.updated, "có" if d.batch_blocked else ""]
        for d in result.decisions
    ]
    return table(["Tập dữ liệu", "Đã nạp", "Chuyển lên", "Giữ lại", "Mới", "Cập nhật", "Chặn cả lô"], rows)


def outcome_text(settings, province: str, run_id: str) -> str:  # noqa: ANN001 - ddss.settings.Settings
    """Scorecard, decision and counts promoted/held of a gated run, from its files and the
    province file (read-only): what ``ddss demo`` prints after the pipeline."""
    import json

    from ddss.score import compute_scorecard
    from ddss.scorecard_io import render
    from ddss.store import connect_readonly
    from ddss.thresholds import load_thresholds

    with connect_readonly(settings.province_db(province), settings.duckdb_config()) as con:
        card = compute_scorecard(con, run_id, load_thresholds(settings.thresholds_file), settings.score_drop_margin)
    lines = [render(card)]
    gate_file = settings.reports_dir / run_id / "gate.json"
    if gate_file.exists():
        g = json.loads(gate_file.read_text(encoding="utf-8"))
        decision = "ĐẠT" if g["passed"] else "KHÔNG ĐẠT"
        lines.append(
            f"      Xét chuyển: {decision}; chuyển lên CSDL quốc gia {g['promoted']} bản ghi, giữ lại {g['held']}"
            f" (danh sách: {gate_file.with_name('held.csv')}); nhật ký kiểm toán mục {g['audit_seq']}."
        )
    else:
        lines.append("      Chưa xét chuyển lượt này (ddss gate). / This run was not gated.")
    return "\n".join(lines)


def command(
    province: str = typer.Option(..., help="Mã tỉnh, ví dụ 79."),
    run: str = typer.Option(None, "--run", help="Mã lượt kiểm tra (mặc định: lượt mới nhất)."),
    revert: str = typer.Option(None, "--revert", help="Hoàn tác lần xét chuyển của lượt này."),
    flow: bool = typer.Option(False, "--flow", help="Chạy qua Prefect flow (ghi artifact)."),
) -> None:
    from ddss.cli.arguments import province_code, require_province_data
    from ddss.cli.errors import handled
    from ddss.exit_codes import ExitCode
    from ddss.gate import AlreadyGated, gate
    from ddss.gate import revert as revert_gate
    from ddss.scorecard_io import render
    from ddss.settings import Settings
    from ddss.store.national import RevertBlocked

    with handled():
        province_code(province)
        settings = Settings.load()
    require_province_data(settings, province, "'ddss ingest', 'ddss validate'")
    with handled(settings.data_dir):
        try:
            if revert:
                counts = revert_gate(settings, province, revert)
                for dataset, (removed, restored) in counts.items():
                    if removed or restored:
                        typer.echo(f"      {dataset}: gỡ {removed} bản ghi, khôi phục {restored} phiên bản trước")
                typer.echo(f"Đã hoàn tác lần xét chuyển của lượt {revert} (ghi vào nhật ký kiểm toán).")
                raise typer.Exit(int(ExitCode.OK))
            if flow:
                from flows.gate import gate_flow

                state = gate_flow(province, run_id=run, return_state=True)
                typer.echo(state.message or state.name)
                raise typer.Exit(int(ExitCode.OK if state.is_completed() else ExitCode.ACTION_NEEDED))
            result = gate(settings, province, run)
        except (AlreadyGated, RevertBlocked, KeyError) as e:
            typer.echo(str(e.args[0]) if e.args else str(e), err=True)
            raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    typer.echo(render(result.scorecard))
    typer.echo(decisions_table(result))
    typer.echo(
        f"      Chuyển lên {result.promoted}, giữ lại {result.held} bản ghi; đang chờ xử lý tổng cộng {result.open_holds}"
        f" bản ghi bị giữ. Nhật ký kiểm toán mục {result.audit_seq}."
    )
    typer.echo(f"      Danh sách bị giữ (đã che dữ liệu cá nhân): {settings.reports_dir / result.run_id / 'held.csv'}")
    raise typer.Exit(int(ExitCode.OK if result.passed else ExitCode.ACTION_NEEDED))
