"""The one settings object. Read explicitly (``Settings.load``), never at import.

Every key of ``[tool.ddss]`` is a row of ``OPTIONS``: its name, the ``Settings`` field it
fills, how it is checked and its default. ``Settings.load`` checks every key when a command
starts and raises ``SettingsError`` (a ``ValueError``) whose message names the key and
what is allowed, in Vietnamese then English; the CLI turns it into exit ``BAD_INPUT``.
To add a setting: add a field to ``Settings`` and a row to ``OPTIONS`` (nothing else).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ddss.storage_errors import StorageError

__all__ = ["OPTIONS", "Option", "Settings", "SettingsError", "project_root"]

# Folders a run writes that the environment may move (a trial run, a test, a deployment).
ENV_DIRS = ("data_dir", "reports_dir", "gx_dir", "prefect_home", "key_dir")


def project_root() -> Path:
    """The repository root: the folder holding pyproject.toml above this package."""
    return Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting or argument is not allowed; the message names it and what is allowed."""

    def __init__(self, where: str, value: object, allowed_vi: str, allowed_en: str) -> None:
        self.where, self.value, self.allowed_vi, self.allowed_en = where, value, allowed_vi, allowed_en
        super().__init__(where, value, allowed_vi, allowed_en)

    def __str__(self) -> str:
        return f"{self.where} = {self.value!r}: cần {self.allowed_vi} / expected {self.allowed_en}"


@dataclass(frozen=True)
class Settings:
    root: Path
    data_dir: Path
    reports_dir: Path
    gx_dir: Path
    prefect_home: Path
    expectations_dir: Path
    # Where the pseudonym secret lives (ddss.keys): outside the repo and the reports.
    key_dir: Path = field(default_factory=lambda: _default_key_dir())
    max_file_bytes: int = 2048 * 1024 * 1024
    busy_timeout_s: float = 30.0
    freshness_days: dict[str, int] = field(default_factory=dict)
    # Reference date for "future" and freshness checks; None = the batch's own snapshot date.
    as_of: dt.date | None = None
    # DuckDB's own defaults when None: 80 % of RAM (beyond it, work spills to <db>.tmp) and every core.
    duckdb_memory_limit: str | None = None
    duckdb_threads: int | None = None
    # Decree 13/2023: quarantined raw rows and files are kept this long, then `ddss purge` removes them.
    retention_days: int = 90
    # The gate (issue #17): reviewed thresholds file (None: ddss/data/thresholds.toml), how far a
    # score may fall from the previous run's before it is flagged, the national DuckDB file
    # (None: <data_dir>/national.duckdb).
    thresholds_file: Path | None = None
    score_drop_margin: float = 0.02
    national_db: Path | None = None
    # National database on PostgreSQL (issue #20): a libpq DSN that holds no password; the password
    # is read when a command starts from DDSS_NATIONAL_PASSWORD or national_password_file (outside the repo).
    national_dsn: str | None = None
    national_password_file: Path | None = None
    national_password: str | None = field(default=None, repr=False)
    # National fan-out: an existing Dask scheduler ("tcp://host:8786"), else a LocalCluster of dask_workers.
    dask_address: str | None = None
    dask_workers: int = 2
    # Province flow (flows/pipeline.py): a step running longer than this ends the run Failed.
    step_timeout_s: float = 3 * 3600.0
    # Alerts (ddss.alerts): Apprise URLs; every alert is also appended to <data_dir>/alerts/alerts.jsonl.
    alert_urls: tuple[str, ...] = ()
    # Decompression limits for XLSX and Parquet files (ddss.read.limits), checked before reading.
    max_expanded_bytes: int = 4096 * 1024 * 1024
    max_rows: int = 20_000_000
    max_cells: int = 50_000_000  # XLSX only: the reader holds a sheet as a dense grid
    # ddss generate (issue #21): persons held in memory at once (whole blocks); never changes the output.
    chunk_persons: int = 1_000_000

    @classmethod
    def load(cls, root: Path | None = None, **overrides: object) -> Settings:
        """Read and check ``[tool.ddss]`` from pyproject.toml. ``DDSS_DATA_DIR``,
        ``DDSS_REPORTS_DIR``, ``DDSS_GX_DIR``, ``DDSS_PREFECT_HOME`` and ``DDSS_KEY_DIR`` may
        relocate folders (relative to the current folder). Environment variables are read
        here, when a command starts, and nowhere else."""
        root = (root or project_root()).resolve()
        cfg: dict = {}
        pyproject = root / "pyproject.toml"
        if pyproject.exists():
            cfg = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("ddss", {})
        _refuse_unknown(cfg, {o.key for o in OPTIONS}, "[tool.ddss]")
        values: dict[str, object] = {}
        for opt in OPTIONS:
            env = os.environ.get(f"DDSS_{opt.key.upper()}") if opt.key in ENV_DIRS else None
            if env is not None:
                values[opt.attr] = _env_dir(f"DDSS_{opt.key.upper()}", env)
            elif opt.key in cfg:
                values[opt.attr] = opt.check(f"[tool.ddss] {opt.key}", cfg[opt.key], root)
            elif opt.default is not None:
                values[opt.attr] = opt.check(f"[tool.ddss] {opt.key}", opt.default, root)
        if values.get("national_dsn"):
            values["national_password"] = _national_password(values.get("national_password_file"))
        s = cls(root=root, expectations_dir=root / "expectations", **values)
        return replace(s, **overrides) if overrides else s

    def duckdb_config(self) -> dict[str, str]:
        """Options for every DuckDB connection to a province file (only those set)."""
        config = {"memory_limit": self.duckdb_memory_limit, "threads": self.duckdb_threads}
        return {k: str(v) for k, v in config.items() if v is not None}

    def province_db(self, province: str) -> Path:
        """Staging database of one province (one DuckDB file per province)."""
        return self.data_dir / f"province_{province}.duckdb"

    def quarantine_dir(self, province: str) -> Path:
        return self.data_dir / "quarantine" / province

    def require_writable(self, *attrs: str) -> None:
        """Check, when a command starts, that the named folders (e.g. ``"data_dir"``) can be
        written: created if missing, then a probe file written and removed. Raises
        StorageError naming the folder and the cause (read-only, full, no permission)."""
        for attr in attrs:
            folder: Path = getattr(self, attr)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / f".ddss-probe-{os.getpid()}"
                with open(probe, "wb") as f:
                    f.write(b"x" * 4096)  # a few bytes: a full disk fails here, not mid-run
                    f.flush()
                    os.fsync(f.fileno())
                probe.unlink()
            except OSError as e:
                raise StorageError(folder, e) from None

    def prefect_env(self) -> dict[str, str]:
        """Environment for Prefect: local home, no telemetry, patient ephemeral server."""
        return {
            "PREFECT_HOME": str(self.prefect_home),
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "GX_ANALYTICS_ENABLED": "false",
        }


# ---- the table of keys ----

Check = Callable[[str, object, Path], object]


@dataclass(frozen=True)
class Option:
    key: str  # name in [tool.ddss]
    attr: str  # Settings field it fills
    check: Check  # (where, raw value, project root) -> value for the field; raises SettingsError
    default: object = None  # raw default, checked like a configured value (None: the field's default)
    help: str = ""


def _default_key_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "ddss"


def _refuse_unknown(cfg: dict, known: set[str], where: str) -> None:
    for key in cfg:
        if key not in known:
            near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            vi = f"một khoá đã biết ({', '.join(sorted(known))})"
            en = "a known key" + (f"; did you mean {near[0]!r}?" if near else f" ({', '.join(sorted(known))})")
            if near:
                vi = f"một khoá đã biết; có phải ý bạn là {near[0]!r}?"
            raise SettingsError(f"{where} {key}", cfg[key], vi, en)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def positive_int(where: str, v: object, _root: Path) -> int:
    if not _is_int(v) or v <= 0:
        raise SettingsError(where, v, "một số nguyên > 0", "an integer > 0")
    return v


def _mb(where: str, v: object, root: Path) -> int:
    return positive_int(where, v, root) * 1024 * 1024


def _seconds(where: str, v: object, _root: Path) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0 or v == float("inf"):
        raise SettingsError(where, v, "một số giây ≥ 0", "a number of seconds ≥ 0")
    return float(v)


def _folder(where: str, v: object, root: Path) -> Path:
    if not isinstance(v, str) or not v.strip():
        raise SettingsError(where, v, "một đường dẫn thư mục", "a folder path")
    p = Path(v).expanduser()
    p = p if p.is_absolute() else root / p
    return _existing_is_folder(where, v, p)


def _env_dir(name: str, v: str) -> Path:
    if not v.strip():
        raise SettingsError(name, v, "một đường dẫn thư mục", "a folder path")
    p = Path(v).expanduser()
    p = p if p.is_absolute() else Path.cwd() / p  # a shell's relative path means the current folder
    return _existing_is_folder(name, v, p)


def _existing_is_folder(where: str, v: object, p: Path) -> Path:
    if p.exists() and not p.is_dir():
        raise SettingsError(where, v, "một thư mục (đây là một tệp)", "a folder (this is a file)")
    return p


def _file(where: str, v: object, root: Path) -> Path:
    if not isinstance(v, str) or not v.strip():
        raise SettingsError(where, v, "một đường dẫn tệp", "a file path")
    p = Path(v).expanduser()
    p = p if p.is_absolute() else root / p
    if not p.is_file():
        raise SettingsError(where, v, "một tệp có sẵn", "an existing file")
    return p


def _db_file(where: str, v: object, root: Path) -> Path:
    if not isinstance(v, str) or not v.strip():
        raise SettingsError(where, v, "một đường dẫn tệp", "a file path")
    p = Path(v).expanduser()
    p = p if p.is_absolute() else root / p
    if p.is_dir():
        raise SettingsError(where, v, "một tệp (đây là một thư mục)", "a file (this is a folder)")
    return p


def _dsn(where: str, v: object, _root: Path) -> str:
    if not isinstance(v, str) or not v.strip():
        raise SettingsError(where, v, 'một DSN như "host=… port=5432 user=ddss dbname=national"', "a libpq DSN")
    if "password" in v.lower() or re.search(r"://[^/@]*:[^/@]*@", v):
        raise SettingsError(
            where, "***", "một DSN không chứa mật khẩu (dùng DDSS_NATIONAL_PASSWORD hoặc national_password_file)",
            "a DSN without a password (use DDSS_NATIONAL_PASSWORD or national_password_file)",
        )  # fmt: skip
    return v.strip()


def _secret_file(where: str, v: object, root: Path) -> Path:
    p = _file(where, v, root)
    if p.resolve().is_relative_to(root):
        raise SettingsError(where, v, "một tệp nằm ngoài thư mục dự án", "a file outside the project folder")
    return p


def _national_password(file: object) -> str | None:
    """DDSS_NATIONAL_PASSWORD, else the first line of national_password_file, else None (e.g. peer auth)."""
    env = os.environ.get("DDSS_NATIONAL_PASSWORD")
    if env:
        return env
    if isinstance(file, Path):
        return file.read_text(encoding="utf-8").splitlines()[0].strip() if file.stat().st_size else None
    return None


def _dask_address(where: str, v: object, _root: Path) -> str:
    if not isinstance(v, str) or not re.fullmatch(r"(tcp|tls|inproc|ucx)://\S+", v.strip()):
        raise SettingsError(
            where, v, 'địa chỉ bộ lập lịch Dask như "tcp://10.0.0.5:8786"', 'a Dask scheduler address like "tcp://10.0.0.5:8786"'
        )
    return v.strip()


def _urls(where: str, v: object, _root: Path) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(u, str) and "://" in u for u in v):
        raise SettingsError(where, v, 'một danh sách URL Apprise như ["json://127.0.0.1:8080/ddss"]', "a list of Apprise URLs")
    return tuple(v)


def _share(where: str, v: object, _root: Path) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        raise SettingsError(where, v, "một số từ 0 đến 1", "a number from 0 to 1")
    return float(v)


def _freshness(where: str, v: object, root: Path) -> dict[str, int]:
    from ddss.schema import DATASETS

    if not isinstance(v, dict):
        raise SettingsError(where, v, "một bảng tập dữ liệu = số ngày", "a table of dataset = days")
    _refuse_unknown(v, set(DATASETS), where)
    return {k: positive_int(f"{where}.{k}", n, root) for k, n in v.items()}


def _date(where: str, v: object, _root: Path) -> dt.date:
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    try:
        return dt.date.fromisoformat(v) if isinstance(v, str) else _bad_date(where, v)
    except ValueError:
        return _bad_date(where, v)


def _bad_date(where: str, v: object) -> dt.date:
    raise SettingsError(where, v, "một ngày YYYY-MM-DD", "a date YYYY-MM-DD")


_MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", re.IGNORECASE)


def _memory_limit(where: str, v: object, _root: Path) -> str:
    if not isinstance(v, str) or not _MEMORY.fullmatch(v.strip()) or float(re.match(r"[\d.]+", v.strip())[0]) <= 0:
        raise SettingsError(where, v, 'dạng như "4GB" hoặc "512MB"', 'a size such as "4GB" or "512MB"')
    return v.strip()


def _threads(where: str, v: object, root: Path) -> int:
    if not _is_int(v) or v < 1:
        raise SettingsError(where, v, "một số nguyên ≥ 1", "an integer ≥ 1")
    return v


OPTIONS: tuple[Option, ...] = (
    Option("data_dir", "data_dir", _folder, "data", "DuckDB files per province, quarantine"),
    Option("reports_dir", "reports_dir", _folder, "reports", "findings files per run"),
    Option("gx_dir", "gx_dir", _folder, "gx", "GX project folder (results under uncommitted/)"),
    Option("prefect_home", "prefect_home", _folder, ".prefect", "Prefect's local home"),
    Option("key_dir", "key_dir", _folder, None, "pseudonym secret (default ~/.config/ddss); shared by one deployment"),
    Option("max_file_mb", "max_file_bytes", _mb, 2048, "a batch file larger than this is rejected whole"),
    Option("busy_timeout_s", "busy_timeout_s", _seconds, 30, "how long a second writer waits for the lock"),
    Option("freshness_days", "freshness_days", _freshness, None, "sống: how old updated_at may be, per dataset"),
    Option("as_of", "as_of", _date, None, "reference date for future/freshness checks"),
    Option("duckdb_memory_limit", "duckdb_memory_limit", _memory_limit, None, "per DuckDB connection"),
    Option("duckdb_threads", "duckdb_threads", _threads, None, "per DuckDB connection"),
    Option("retention_days", "retention_days", positive_int, 90, "days quarantined raw rows and files are kept"),
    Option("thresholds_file", "thresholds_file", _file, None, "reviewed thresholds per dataset x dimension (gate)"),
    Option("score_drop_margin", "score_drop_margin", _share, 0.02, "a score falling more than this is flagged"),
    Option("national_db", "national_db", _db_file, None, "national DuckDB file (default <data_dir>/national.duckdb)"),
    Option("national_dsn", "national_dsn", _dsn, None, "national database on PostgreSQL (libpq DSN, no password)"),
    Option("national_password_file", "national_password_file", _secret_file, None, "file outside the repo holding it"),
    Option("dask_address", "dask_address", _dask_address, None, "existing Dask scheduler for the national fan-out"),
    Option("dask_workers", "dask_workers", positive_int, 2, "LocalCluster workers when no dask_address"),
    Option("step_timeout_s", "step_timeout_s", _seconds, 10800, "a province flow step running longer fails the run"),
    Option("alert_urls", "alert_urls", _urls, None, "Apprise URLs for alerts (also written to data/alerts/)"),
    Option("max_expanded_mb", "max_expanded_bytes", _mb, 4096, "an XLSX/Parquet file expanding beyond this is rejected"),
    Option("max_rows", "max_rows", positive_int, 20_000_000, "rows per XLSX sheet / Parquet file"),
    Option("max_cells", "max_cells", positive_int, 50_000_000, "cells (rows x columns, as a grid) per XLSX sheet"),
    Option("chunk_persons", "chunk_persons", positive_int, 1_000_000, "ddss generate: persons held in memory at once"),
)
