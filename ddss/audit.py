"""The audit log: every gate decision, revert and waiver, hash-chained and append-only.

Each entry carries the SHA-256 of the previous entry; its own SHA-256 covers its sequence
number, time, kind, province, run and body (canonical JSON) and that previous hash. So an
entry changed in place no longer matches its hash, and an entry removed breaks the chain
at the next one: ``verify`` names the first entry that was changed or removed. Removing the
*last* entries cannot be seen from the chain alone, so every province file keeps anchors
(``audit_anchors``: seq and SHA-256 of each entry its gates, reverts and waivers wrote, in the
same province transaction as their holds or waiver row): an anchored entry missing from the
chain is named as removed, one whose hash differs as changed (a tail rewritten with new
hashes). Waivers live in two files (the entry nationally, the row in the province): a
waiver entry without its province row, or a row without its entry, is named too (the
first is what a crash between the two writes leaves; ddss.waivers.restore completes it).

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
from pathlib import Path

from ddss.store.national import NationalStore

__all__ = [
    "GENESIS",
    "Anchor",
    "AuditCheck",
    "ProvinceWaiver",
    "append",
    "ddss_version",
    "entry_hash",
    "province_records",
    "verify",
]

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
class Anchor:
    """An audit entry a province file recorded (store.gate ``audit_anchors``)."""

    province: str
    seq: int
    sha256: str


@dataclass(frozen=True)
class ProvinceWaiver:
    """A waiver row of a province file and the audit entry it names."""

    province: str
    waiver_id: str
    audit_seq: int


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    bad_seq: int | None = None
    problem: str | None = None  # of the first problem: "changed" | "removed" | "waiver"
    problems: tuple[tuple[str, str], ...] = ()  # every problem found, (vi, en)
    anchors: int = 0

    def message(self) -> str:
        if self.ok:
            return (
                f"Nhật ký kiểm toán nguyên vẹn: {self.entries} mục, khớp {self.anchors} mốc của các tỉnh. / "
                f"The audit log verifies: {self.entries} entries, {self.anchors} province anchors match."
            )
        return "\n".join(f"{vi} / {en}" for vi, en in self.problems)


def _removed(seq: int, province: str | None = None, anchored: int | None = None) -> tuple[str, str]:
    if province is None:
        return f"Nhật ký kiểm toán bị xoá mục số {seq}.", f"Audit entry {seq} was removed."
    return (
        f"Nhật ký kiểm toán bị xoá mục số {seq} (tỉnh {province} đã ghi mốc mục {anchored}).",
        f"Audit entry {seq} was removed (province {province} anchored entry {anchored}).",
    )


def _changed(seq: int) -> tuple[str, str]:
    return f"Nhật ký kiểm toán bị sửa ở mục số {seq}.", f"Audit entry {seq} was changed."


def _chain(rows: list[dict]) -> tuple[int, str, tuple[str, str]] | None:
    prev, expected = GENESIS, 1
    for row in rows:
        if row["seq"] != expected:
            return expected, "removed", _removed(expected)
        if row["prev_sha256"] != prev:
            # The previous entry's stored hash is not what this one chained to: it was rewritten
            # (or removed and the sequence renumbered).
            bad = expected - 1 if expected > 1 else 1
            return bad, "changed", _changed(bad)
        digest = entry_hash(row["seq"], row["at"], row["kind"], row["province"], row["run_id"], row["body"], prev)
        if digest != row["sha256"]:
            return row["seq"], "changed", _changed(row["seq"])
        prev, expected = row["sha256"], expected + 1
    return None


def verify(rows: list[dict], anchors: list[Anchor] = (), waivers: list[ProvinceWaiver] = ()) -> AuditCheck:
    """Recompute the chain and compare it with the provinces' anchors and waiver rows; names
    the first entry changed or removed, then every other problem found."""
    found: list[tuple[int, str, tuple[str, str]]] = []
    if (broken := _chain(rows)) is not None:
        found.append(broken)
    by_seq = {r["seq"]: r for r in rows}
    last = max(by_seq, default=0)
    missing_tail = sorted({a.seq for a in anchors if a.seq > last})
    if missing_tail:
        # Every entry after the last one left up to the newest anchored one is gone.
        who = ", ".join(sorted({a.province for a in anchors if a.seq == missing_tail[-1]}))
        for seq in range(last + 1, missing_tail[-1] + 1):
            found.append((seq, "removed", _removed(seq, who, missing_tail[-1])))
    for a in sorted(anchors, key=lambda a: a.seq):
        row = by_seq.get(a.seq)
        if row is None and a.seq <= last:
            found.append((a.seq, "removed", _removed(a.seq, a.province, a.seq)))
        elif row is not None and row["sha256"] != a.sha256:
            vi, en = _changed(a.seq)
            found.append(
                (
                    a.seq,
                    "changed",
                    (f"{vi[:-1]} (khác mốc của tỉnh {a.province}).", f"{en[:-1]} (differs from province {a.province}'s anchor)."),
                )
            )
    found.extend(_waiver_problems(rows, anchors, waivers))
    seen, problems = set(), []
    for seq, kind, text in found:
        if text not in seen:
            seen.add(text)
            problems.append((seq, kind, text))
    if not problems:
        return AuditCheck(True, len(rows), anchors=len(anchors))
    seq, kind, _ = problems[0]
    return AuditCheck(False, len(rows), seq, kind, tuple(t for _, _, t in problems), len(anchors))


def _waiver_problems(rows: list[dict], anchors: list[Anchor], waivers: list[ProvinceWaiver]) -> list:
    provinces = {a.province for a in anchors} | {w.province for w in waivers}
    have = {(w.province, w.waiver_id) for w in waivers}
    out = []
    entries = {}
    for r in rows:
        if r["kind"] == "waiver":
            waiver_id = json.loads(r["body"]).get("waiver_id")
            entries[r["seq"]] = waiver_id
            if r["province"] in provinces and (r["province"], waiver_id) not in have:
                out.append((r["seq"], "waiver", (
                    f"Mục số {r['seq']} ghi chấp nhận lỗi {waiver_id} nhưng tỉnh {r['province']} không có dòng của nó"
                    " (lần xét chuyển sau sẽ khôi phục).",
                    f"Entry {r['seq']} records waiver {waiver_id} but province {r['province']} has no row for it"
                    " (the next gate restores it).",
                )))  # fmt: skip
    for w in waivers:
        if entries.get(w.audit_seq) != w.waiver_id:
            out.append((w.audit_seq, "waiver", (
                f"Tỉnh {w.province} có chấp nhận lỗi {w.waiver_id} không có mục nhật ký (mục số {w.audit_seq}).",
                f"Province {w.province} has waiver {w.waiver_id} without its audit entry (entry {w.audit_seq}).",
            )))  # fmt: skip
    return out


def province_records(data_dir: Path, config: dict[str, str] | None = None) -> tuple[list[Anchor], list[ProvinceWaiver]]:
    """Anchors and waiver rows of every province file in ``data_dir`` (read-only)."""
    from ddss.store import connect_readonly

    anchors, waivers = [], []
    for path in sorted(Path(data_dir).glob("province_*.duckdb")):
        province = path.name.removeprefix("province_").removesuffix(".duckdb")
        con = connect_readonly(path, config)
        try:
            tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "audit_anchors" in tables:
                sql = "SELECT DISTINCT seq, sha256 FROM audit_anchors"
                anchors += [Anchor(province, int(q), h) for q, h in con.execute(sql).fetchall()]
            if "waivers" in tables:
                sql = "SELECT waiver_id, audit_seq FROM waivers"
                waivers += [ProvinceWaiver(province, w, int(q)) for w, q in con.execute(sql).fetchall()]
        finally:
            con.close()
    return anchors, waivers
