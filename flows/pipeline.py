"""Prefect flow: one province's straight path, ingest then validate, as sub-flows.

The entry point of the deployments in prefect.yaml. Scorecard, Data Docs and the gate
(issue #6) join here as further sub-flows.
"""

from __future__ import annotations

from prefect import flow

from flows.ingest import ingest_flow
from flows.validate import validate_flow

__all__ = ["province_pipeline"]


@flow(name="ddss-province", flow_run_name="province-{province}")
def province_pipeline(
    province: str,
    inbox: str,
    as_of: str | None = None,
    data_dir: str | None = None,
    reports_dir: str | None = None,
    gx_dir: str | None = None,
) -> dict:
    """Folders default to the project's settings; a run (the demo, a test) may move them."""
    ingested = ingest_flow(province, inbox, data_dir=data_dir)
    validated = validate_flow(province, as_of=as_of, data_dir=data_dir, reports_dir=reports_dir, gx_dir=gx_dir)
    return {"ingest": ingested, "validate": validated}


if __name__ == "__main__":
    import sys

    province_pipeline(*sys.argv[1:3])
