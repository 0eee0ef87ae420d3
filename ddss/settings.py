"""The one settings object. Read explicitly (``Settings.load``), never at import."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

__all__ = ["Settings", "project_root"]


def project_root() -> Path:
    """The repository root: the folder holding pyproject.toml above this package."""
    return Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    root: Path
    data_dir: Path
    reports_dir: Path
    gx_dir: Path
    prefect_home: Path
    expectations_dir: Path
    max_file_bytes: int = 2048 * 1024 * 1024
    busy_timeout_s: float = 30.0
    freshness_days: dict[str, int] = field(default_factory=dict)
    # Reference date for "future" and freshness checks; None = the batch's own snapshot date.
    as_of: date | None = None
    # DuckDB's own defaults when None: 80 % of RAM (beyond it, work spills to <db>.tmp) and every core.
    duckdb_memory_limit: str | None = None
    duckdb_threads: int | None = None

    @classmethod
    def load(cls, root: Path | None = None, **overrides: object) -> Settings:
        """Read ``[tool.ddss]`` from pyproject.toml; ``DDSS_DATA_DIR``, ``DDSS_REPORTS_DIR`` and
        ``DDSS_GX_DIR`` may relocate the folders a run writes (a trial run, a test).

        Environment variables are read here, when a command starts, and nowhere else.
        """
        root = (root or project_root()).resolve()
        cfg: dict = {}
        pyproject = root / "pyproject.toml"
        if pyproject.exists():
            cfg = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("ddss", {})

        def path(key: str, default: str) -> Path:
            env = os.environ.get(f"DDSS_{key.upper()}")
            p = Path(env) if env else Path(cfg.get(key, default))
            return p if p.is_absolute() else root / p

        s = cls(
            root=root,
            data_dir=path("data_dir", "data"),
            reports_dir=path("reports_dir", "reports"),
            gx_dir=path("gx_dir", "gx"),
            prefect_home=path("prefect_home", ".prefect"),
            expectations_dir=root / "expectations",
            max_file_bytes=int(cfg.get("max_file_mb", 2048)) * 1024 * 1024,
            busy_timeout_s=float(cfg.get("busy_timeout_s", 30)),
            freshness_days=dict(cfg.get("freshness_days", {})),
            duckdb_memory_limit=_memory_limit(cfg.get("duckdb_memory_limit")),
            duckdb_threads=_threads(cfg.get("duckdb_threads")),
        )
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


_MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", re.IGNORECASE)


def _memory_limit(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _MEMORY.fullmatch(value.strip()):
        raise ValueError(
            f'[tool.ddss] duckdb_memory_limit = {value!r}: cần dạng như "4GB" hoặc "512MB" / '
            'expected a size such as "4GB" or "512MB"'
        )
    return value.strip()


def _threads(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"[tool.ddss] duckdb_threads = {value!r}: cần một số nguyên ≥ 1 / expected an integer ≥ 1")
    return value
