"""Prefect flow: load one agency batch (an inbox folder) into the province's DuckDB file."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from ddss.ingest import IngestResult, ingest_inbox
from flows import flow_settings

__all__ = ["ingest_flow", "publish_ingest", "summary"]


@task(name="nạp lô tệp", cache_policy=NO_CACHE)
def load_batch(province: str, inbox: str, agency: str | None, data_dir: str | None) -> IngestResult:
    return ingest_inbox(flow_settings(data_dir), province, Path(inbox), agency=agency)


def publish_ingest(result: IngestResult) -> None:
    """Table artifact: one row per file (names and counts, nothing personal)."""
    create_table_artifact(
        key=f"ingest-{result.province}",
        table=[
            {
                "tệp": f.source_file,
                "tập dữ liệu": f.dataset or "?",
                "trạng thái": f.status,
                "đọc": f.rows_read,
                "nạp": f.rows_staged,
                "cách ly": f.rows_quarantined,
                "lý do": f.reason_vi or "",
            }
            for f in result.files
        ],
        description=f"Lô {result.batch_id}: {len(result.files)} tệp, {result.rejected} tệp bị từ chối.",
    )


def summary(result: IngestResult) -> dict:
    return {
        "batch_id": result.batch_id,
        "files": len(result.files),
        "rejected": result.rejected,
        "rows_staged": result.rows_staged,
        "manifest_differences": result.manifest_differences,
    }


@flow(name="ddss-ingest", flow_run_name="ingest-{province}")
def ingest_flow(province: str, inbox: str, agency: str | None = None, data_dir: str | None = None) -> dict:
    """Load every file of ``inbox``; rejected files are kept in quarantine, never fatal.
    rows read = staged + quarantined is recorded per file in ``batches`` and enforced by
    ingest_inbox before each file's commit, so an unbalanced file fails this flow."""
    result = load_batch(province, inbox, agency, data_dir)
    publish_ingest(result)
    return summary(result)
