"""The findings browser (``ddss serve``): a local read-only web app over ``reports/``.

``app``: the FastAPI application; ``query``: findings of a run from its Parquet file.
"""

from ddss.serve.app import create_app
from ddss.serve.query import FindingsQuery, Page, facets, page, select_all

__all__ = ["FindingsQuery", "Page", "create_app", "facets", "page", "select_all"]
