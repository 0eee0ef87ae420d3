"""Re-identification (issue #16): hashing every candidate ID of the province recovers no
record_key of a findings file; only the deployment's secret does. Masked IDs show at
most the 3-digit province code."""

from __future__ import annotations

import hashlib
import hmac
import re

import polars as pl
import pytest

from ddss import keys


@pytest.fixture(scope="module")
def run(province_run):
    return province_run(0.05, 2000, headers="vi", dates="vn", decimal_comma=True, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def candidates(run) -> set[str]:
    """Every ID that appears anywhere in the province's batch files."""
    from ddss.read import preview_file

    ids: set[str] = set()
    for f in run.generated.inbox.iterdir():
        staged = preview_file(f, 10**9).staged
        for c in staged.columns:
            if c.endswith("person_id"):
                ids |= {v for v in staged[c].drop_nulls().to_list() if v}
    return ids


def _keys_in(run) -> set[str]:
    df = pl.read_csv(run.validated.report_dir / "findings.csv", infer_schema=False)
    return {k for k in df.filter(pl.col("dataset") == "population")["record_key"].drop_nulls()}


def test_no_candidate_hash_recovers_a_record_key(run, candidates) -> None:
    found = _keys_in(run)
    assert len(found) > 20 and len(candidates) > 1000
    tails = {k.split("-", 1)[1] for k in found}
    for guess in candidates:
        plain = hashlib.sha256(guess.encode()).hexdigest()
        assert plain[:16] not in tails and plain[:12] not in tails
        assert hashlib.sha256(guess.encode()).hexdigest()[:16] not in {t[:16] for t in tails}


def test_the_deployment_secret_does_recover_them(run, candidates) -> None:
    """The counterpart that shows the test above can fail: with the key, every key matches."""
    key = keys.current_key(run.settings)
    made = {f"P{key.kid}-" + hmac.new(key.secret, c.encode(), hashlib.sha256).hexdigest()[:16] for c in candidates}
    assert _keys_in(run) <= made


def test_masked_ids_show_at_most_the_province_code(run) -> None:
    df = pl.read_csv(run.validated.report_dir / "findings.csv", infer_schema=False)
    ids = df.filter(pl.col("check_id").str.contains("id_|person_id|cmnd") & pl.col("value").is_not_null())["value"]
    assert ids.len() > 5
    for v in ids:
        assert re.fullmatch(r"[0-9]{0,3}\**", v), v
