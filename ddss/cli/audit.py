"""`ddss audit`: list the audit log, or verify its hash chain (--verify)."""

from __future__ import annotations

import json

import typer

HELP = "Xem nhật ký kiểm toán các lần xét chuyển; --verify kiểm tra chuỗi băm và chỉ ra mục bị sửa hoặc xoá."

__all__ = ["HELP", "command"]

_KINDS = {"gate": "xét chuyển", "revert": "hoàn tác", "waiver": "chấp nhận lỗi"}


def command(verify: bool = typer.Option(False, "--verify", help="Tính lại chuỗi băm SHA-256.")) -> None:
    from ddss.audit import province_records
    from ddss.audit import verify as verify_chain
    from ddss.cli.errors import handled
    from ddss.cli.summary import table
    from ddss.exit_codes import ExitCode
    from ddss.settings import Settings
    from ddss.store.national import open_national

    settings = Settings.load()
    with handled(settings.data_dir):
        with open_national(settings) as store:
            rows = store.audit_rows()
        # the anchors and waiver rows each province file keeps (tail removal, waivers' two files)
        anchors, waivers = province_records(settings.data_dir, settings.duckdb_config()) if verify else ([], [])
    if verify:
        check = verify_chain(rows, anchors, waivers)
        typer.echo(check.message(), err=not check.ok)
        raise typer.Exit(int(ExitCode.OK if check.ok else ExitCode.AUDIT_BROKEN))
    body = []
    for r in rows:
        b = json.loads(r["body"])
        body.append([r["seq"], r["at"].isoformat(timespec="seconds"), _KINDS.get(r["kind"], r["kind"]), r["province"],
                     r["run_id"] or "", b.get("outcome", b.get("check_id", "")), r["sha256"][:12]])  # fmt: skip
    typer.echo(table(["Mục", "Thời điểm (UTC)", "Loại", "Tỉnh", "Lượt", "Kết quả", "SHA-256"], body))
