"""Waivers: a steward accepts one finding on one record, with a written justification.

A waiver names (dataset, record_key, check_id) — the record key the findings carry (a
pseudonym for people) — so it applies to the same record in later runs. It is recorded in
the audit log (national store) first and then in the province's ``waivers`` table, with the
anchor of its audit entry in the same province transaction; a waived finding counts as a
warning in the scorecard and no longer holds its record at the gate.

The two writes are in two files: a crash between them leaves an audited waiver without its
province row. ``restore`` (run by every waive and gate of the province) writes the missing
rows from the audit entries, which hold everything a row needs; ``ddss audit --verify``
names a waiver entry without its row, and a row without its entry (ddss.audit).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from ddss import audit
from ddss.rules.catalog import by_id
from ddss.settings import Settings
from ddss.store import writer
from ddss.store.gate import record_waiver
from ddss.store.national import NationalStore, open_national

__all__ = ["MIN_JUSTIFICATION", "Waiver", "WaiverRefused", "restore", "waive"]

MIN_JUSTIFICATION = 20  # characters: a sentence, not "ok"


class WaiverRefused(ValueError):
    """The waiver names nothing that was found, or lacks a justification."""


@dataclass(frozen=True)
class Waiver:
    waiver_id: str
    dataset: str
    record_key: str
    check_id: str
    audit_seq: int


def waive(
    settings: Settings,
    province: str,
    dataset: str,
    record_key: str,
    check_id: str,
    justification: str,
    granted_by: str,
    store: NationalStore | None = None,
    on_audited: Callable[[], None] | None = None,
) -> Waiver:
    """``on_audited``: called after the audit entry's commit, before the province row (tests
    kill the process there)."""
    try:
        check = by_id(check_id)
    except KeyError:
        raise WaiverRefused(f"Không có quy tắc {check_id!r}. / Unknown check {check_id!r}.") from None
    if check.dataset != dataset:
        raise WaiverRefused(f"Quy tắc {check_id} không thuộc tập {dataset}. / {check_id} is not a check of {dataset}.")
    if len(justification.strip()) < MIN_JUSTIFICATION:
        raise WaiverRefused(
            f"Cần lý do bằng văn bản (ít nhất {MIN_JUSTIFICATION} ký tự). / "
            f"A written justification of at least {MIN_JUSTIFICATION} characters is required."
        )
    if not granted_by.strip():
        raise WaiverRefused("Cần tên người chấp nhận. / Who grants the waiver must be named.")
    db = settings.province_db(province)
    if not db.exists():
        raise WaiverRefused(f"Chưa có dữ liệu của tỉnh {province}. / No data for province {province}.")
    with writer(db, settings.busy_timeout_s, settings.duckdb_config()) as con:
        (found,) = con.execute(
            "SELECT count(*) FROM findings WHERE dataset = ? AND record_key = ? AND check_id = ?",
            [dataset, record_key, check_id],
        ).fetchall()[0]
        if not found:
            raise WaiverRefused(
                f"Không có phát hiện {check_id} cho bản ghi {record_key} của tập {dataset}. / "
                f"No finding {check_id} on record {record_key} of {dataset}."
            )
        waiver_id = uuid.uuid4().hex[:12]
        body = {
            "waiver_id": waiver_id,
            "dataset": dataset,
            "record_key": record_key,
            "check_id": check_id,
            "justification": justification.strip(),
            "granted_by": granted_by.strip(),
        }
        own = store is None
        store = store or open_national(settings)
        try:
            restore(con, store, province)
            with store.transaction():
                entry = audit.append(store, "waiver", province, None, body)
            if on_audited:
                on_audited()
            _record(con, entry, body)
        finally:
            if own:
                store.close()
    return Waiver(waiver_id, dataset, record_key, check_id, entry["seq"])


def _record(con: duckdb.DuckDBPyConnection, entry: dict, body: dict) -> None:
    row = [body["waiver_id"], entry["province"], body["dataset"], body["record_key"], body["check_id"],
           body["justification"], body["granted_by"], entry["at"], entry["seq"]]  # fmt: skip
    record_waiver(con, row, entry)


def restore(con: duckdb.DuckDBPyConnection, store: NationalStore, province: str) -> int:
    """Write the province rows of audited waivers that lack them (a waive killed between its
    two writes); ``con``: the province's writer. The number restored."""
    have = {w for (w,) in con.execute("SELECT waiver_id FROM waivers").fetchall()}
    restored = 0
    for entry in store.audit_rows(province, ("waiver",)):
        body = json.loads(entry["body"])
        if body.get("waiver_id") not in have:
            _record(con, entry, body)
            restored += 1
    return restored
