"""The findings browser: a local, read-only web app over the report folders.

``/`` lists the runs; ``/reports/<run>/…`` serves each run's pages as written;
``/runs/<run>/findings`` lists every finding with filters (agency, dataset, dimension,
severity, check), sorting and paging; ``…/findings.csv|.xlsx`` downloads the filtered
list (masked, formula-safe). Nothing here opens a province database (``query``).

An access token, when configured, is required on every request: as
``Authorization: Bearer <token>``, or once as ``?token=`` (then kept in an HttpOnly
cookie). ``ddss serve`` refuses to bind beyond loopback without one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
import secrets
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader

from ddss.report import exports
from ddss.report.inputs import agency_names
from ddss.schema import DATASETS
from ddss.serve import query
from ddss.settings import Settings

__all__ = ["create_app"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
_COOKIE = "ddss_token"
_PROVINCE = re.compile(r"^[0-9T]+-(\d{2})-")


def _env() -> Environment:
    from ddss.report.pages import template_environment

    env = template_environment(PackageLoader("ddss.serve", "templates"))
    env.globals["agency_names"] = agency_names()
    return env


def _titles() -> dict[str, str]:
    from ddss.rules.catalog import all_checks

    return {c.check_id: c.title_vi for c in all_checks()}


def _query_of(request: Request) -> query.FindingsQuery:
    p = request.query_params
    filters = {"check_id" if k == "check" else k: p.get(k, "") for k in ("agency", "dataset", "dimension", "severity", "check")}

    def number(name: str, default: int) -> int:
        try:
            return int(p.get(name, default))
        except ValueError:
            return default

    return query.FindingsQuery(
        filters, p.get("sort", "dataset"), p.get("order") == "desc", number("page", 1), number("size", 100)
    ).normalised()


def _params(q: query.FindingsQuery, **changes: object) -> str:
    base = {("check" if k == "check_id" else k): v for k, v in q.filters.items()}
    base.update({"sort": q.sort, "order": "desc" if q.descending else "asc", "page": q.page, "size": q.size})
    base.update({k: v for k, v in changes.items()})
    return urlencode({k: v for k, v in base.items() if v not in (None, "")})


def _newest_run(reports: Path) -> Path | None:
    """The latest published run folder (run ids begin with their UTC time)."""
    if not reports.is_dir():
        return None
    runs = [d for d in reports.iterdir() if not d.name.startswith(".") and (d / "findings.parquet").is_file()]
    return max(runs, key=lambda d: d.name, default=None)


async def _request_once(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """One GET through ``app`` in process (no socket); its status."""
    status = 0
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:  # the client stays connected until the response is done (as a real one does)
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    await app(scope, receive, send)
    return status


def create_app(settings: Settings, token: str | None = None) -> FastAPI:
    """The browser over ``settings.reports_dir``; ``token`` (if any) guards every request."""
    app = FastAPI(title="ddss", docs_url=None, redoc_url=None, openapi_url=None)
    env = _env()
    for name in ("runs.html.j2", "findings.html.j2"):  # compiled now, not on a steward's first click
        env.get_template(name)
    reports = settings.reports_dir
    titles = _titles()

    @app.middleware("http")
    async def guard(request: Request, call_next):  # noqa: ANN202 - Starlette's middleware signature
        given = None
        if token:
            auth = request.headers.get("authorization", "")
            given = (
                auth[7:]
                if auth.lower().startswith("bearer ")
                else request.cookies.get(_COOKIE) or request.query_params.get("token")
            )
            if not given or not secrets.compare_digest(given.encode(), token.encode()):
                return Response(
                    "Cần mã truy cập / access token required\n", status_code=401, media_type="text/plain; charset=utf-8"
                )
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if token and given and request.query_params.get("token"):
            response.set_cookie(_COOKIE, token, httponly=True, samesite="strict")
        return response

    def folder(run_id: str) -> Path:
        try:
            return query.run_dir(reports, run_id)
        except (ValueError, FileNotFoundError):
            raise HTTPException(404, "Không có lượt kiểm tra này / no such run") from None

    def common(run_id: str) -> dict:
        m = _PROVINCE.match(run_id)
        return {
            "province": {"code": m.group(1) if m else "", "name": ""},
            "run_id": run_id,
            "run": {},
            "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }

    @app.get("/", response_class=HTMLResponse)
    def runs() -> str:
        items = []
        if reports.is_dir():
            for d in sorted(reports.iterdir(), reverse=True):
                if not d.name.startswith(".") and (d / "findings.parquet").is_file():  # .partial-*: unfinished
                    items.append({"run_id": d.name, "report": (d / "index.html").is_file()})
        return env.get_template("runs.html.j2").render(runs=items, **common(""))

    def findings_page(parquet: Path, q: query.FindingsQuery) -> str:
        return env.get_template("findings.html.j2").render(
            **common(parquet.parent.name),
            page=query.page(parquet, q),
            q=q,
            facets=query.facets(parquet),
            titles=titles,
            datasets=DATASETS,
            params=lambda **c: _params(q, **c),
            has_report=(parquet.parent / "index.html").is_file(),
            sortable=query.SORTABLE,
        )

    @app.get("/runs/{run_id}/findings", response_class=HTMLResponse)
    def findings(run_id: str, request: Request) -> str:
        return findings_page(folder(run_id) / "findings.parquet", _query_of(request))

    @app.get("/api/runs/{run_id}/findings")
    def findings_json(run_id: str, request: Request) -> JSONResponse:
        result = query.page(folder(run_id) / "findings.parquet", _query_of(request))
        return JSONResponse({"total": result.total, "page": result.query.page, "pages": result.pages, "rows": result.rows})

    @app.get("/runs/{run_id}/findings.{fmt}")
    def download(run_id: str, fmt: str, request: Request) -> Response:
        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404)
        rows = query.select_all(folder(run_id) / "findings.parquet", _query_of(request))
        name = f"phat-hien-{run_id}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "csv":
            return Response(exports.to_csv_bytes(rows), media_type="text/csv; charset=utf-8", headers=headers)
        buf = io.BytesIO()
        exports.write_xlsx(rows, buf)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(buf.getvalue(), media_type=media, headers=headers)

    @asynccontextmanager
    async def warm_newest(_: FastAPI):  # noqa: ANN202 - Starlette's lifespan signature
        # uvicorn runs this before it listens: the newest run's findings are copied into
        # memory and its first page rendered once (DuckDB's and Jinja's first-use costs), so
        # a steward's first request finds them ready instead of waiting for the copy.
        newest = _newest_run(reports)
        app.state.warmed = None
        if newest is not None:
            try:
                findings_page(newest / "findings.parquet", query.FindingsQuery().normalised())
            except Exception as e:  # noqa: BLE001 - a warm-up: the server still serves every other run
                logging.getLogger("uvicorn.error").warning(
                    "Không nạp trước được lượt %s (%s); các lượt khác vẫn xem được. / Could not preload run %s.",
                    newest.name,
                    type(e).__name__,
                    newest.name,
                )
                app.state.warmed = (newest.name, None)
            else:
                # ... and once through the whole ASGI stack: Starlette and anyio import parts
                # of themselves on the first request (a few hundred ms on this machine).
                auth = [(b"authorization", f"Bearer {token}".encode())] if token else []
                app.state.warmed = (newest.name, await _request_once(app, f"/runs/{newest.name}/findings", auth))
        yield

    app.router.lifespan_context = warm_newest

    # The pages as written (index, agency pages, downloads, guide), and GX's Data Docs,
    # where the report's relative link points when gx/ sits beside reports/.
    app.mount("/reports", StaticFiles(directory=reports, html=True, check_dir=False), name="reports")
    docs = settings.gx_dir / "uncommitted" / "data_docs"
    app.mount(
        f"/{settings.gx_dir.name}/uncommitted/data_docs", StaticFiles(directory=docs, html=True, check_dir=False), name="docs"
    )
    return app
