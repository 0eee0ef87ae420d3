"""The audit log: every gate decision, revert and waiver, hash-chained and append-only.

Each entry carries the SHA-256 of the previous entry; its own SHA-256 covers its sequence
number, time, kind, province, run and body (canonical JSON) and that previous hash. So an
entry changed in place no longer matches its hash, and an entry removed breaks the chain
at the next one: ``verify`` names the first entry that was changed or removed. (Removing
the *last* entries cannot be seen from the chain alone; the reports and the steward's own
copy of ``ddss audit`` output are the check for that.)

Entries live in the national store (ddss.store.national) and are written in the same
transaction as the decision they record. Bodies hold counts, scores, thresholds, ids of
runs and batches, and record keys (pseudonyms for people) — never raw personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from importlib import metadata

from ddss.store.national import NationalStore

__all__ = ["GENESIS", "AuditCheck", "append", "ddss_version", "entry_hash", "verify"]

GENESIS = "0" * 64


def ddss_version() -> str:
    try:
        return metadata.version("ddss")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _canonical(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(seq: int, at: dt.datetime, kind: str, province: str, run_id: str | None, body: str, prev: str) -> str:
    text = _canonical([seq, at.isoformat(), kind, province, run_id, body, prev])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(store: NationalStore, kind: str, province: str, run_id: str | None, body: dict) -> dict:
    """Append an entry inside the caller's ``store.transaction()``; returns it."""
    last = store.last_audit()
    seq = (last["seq"] + 1) if last else 1
    prev = last["sha256"] if last else GENESIS
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    text = _canonical({**body, "ddss_version": ddss_version()})
    entry = {"seq": seq, "at": at, "kind": kind, "province": province, "run_id": run_id, "body": text, "prev_sha256": prev}
    entry["sha256"] = entry_hash(seq, at, kind, province, run_id, text, prev)
    store.append_audit(entry)
    return entry


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    bad_seq: int | None = None
    problem: str | None = None  # "changed" | "removed"

    def message(self) -> str:
        if self.ok:
            return f"Nhật ký kiểm toán nguyên vẹn: {self.entries} mục. / The audit log verifies: {self.entries} entries."
        if self.problem == "removed":
            return f"Nhật ký kiểm toán bị xoá mục số {self.bad_seq}. / Audit entry {self.bad_seq} was removed."
        return f"Nhật ký kiểm toán bị sửa ở mục số {self.bad_seq}. / Audit entry {self.bad_seq} was changed."


def verify(rows: list[dict]) -> AuditCheck:
    """Recompute the chain; the first entry changed or removed, if any."""
    prev, expected = GENESIS, 1
    for row in rows:
        if row["seq"] != expected:
            return AuditCheck(False, len(rows), expected, "removed")
        if row["prev_sha256"] != prev:
            # The previous entry's stored hash is not what this one chained to: it was rewritten
            # (or removed and the sequence renumbered).
            return AuditCheck(False, len(rows), expected - 1 if expected > 1 else 1, "changed")
        digest = entry_hash(row["seq"], row["at"], row["kind"], row["province"], row["run_id"], row["body"], prev)
        if digest != row["sha256"]:
            return AuditCheck(False, len(rows), row["seq"], "changed")
        prev, expected = row["sha256"], expected + 1
    return AuditCheck(True, len(rows))
