"""A local Prefect server for scheduled runs: start it, set it up, stop exactly what was started.

``start``: ``prefect server start`` on 127.0.0.1 and a free port (SQLite under the project's
Prefect home), waits until it is ready (``/api/ready``: its database answers), starts a
worker that creates the ``process`` work pool the deployments name, then deploys
prefect.yaml (all 34 provinces, or the names given) through the API in one process
(``python -m flows.deploy``). ``timeout`` bounds each of these waits
(``ddss server start --timeout``).
Every process is started in its own session and recorded (pid + start time) in
``<prefect_home>/ddss-server.json``; ``stop`` ends those process groups and nothing else
(a recycled pid with another start time is left alone). No Prefect import here: its CLI
and flows/deploy.py run as child processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from ddss.orchestration.deployments import WORK_POOL
from ddss.settings import Settings

__all__ = ["ServerError", "ServerState", "free_port", "prefect_cli_env", "read_state", "start", "stop"]

STATE_FILE = "ddss-server.json"


class ServerError(RuntimeError):
    pass


@dataclass
class ServerState:
    api_url: str
    port: int
    home: str
    logs: str
    processes: dict[str, tuple[int, float]] = field(default_factory=dict)  # role -> (pid, create_time)
    deployments: list[str] = field(default_factory=list)  # deployed by this start
    timings: dict[str, float] = field(default_factory=dict)  # seconds from the server's launch to each stage

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefect_cli_env(settings: Settings, api_url: str | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every Prefect process gets: the project's settings (home, telemetry
    off — prefect.toml says the same for commands run by hand) and the server's address."""
    env = {**os.environ, **settings.prefect_env(), "PREFECT_HOME": str(settings.prefect_home.resolve())}
    env["PWD"] = str(settings.root)  # prefect.yaml's pull step records {{ $PWD }}: the project, not the caller's folder
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra or {})
    return env


def _state_path(settings: Settings) -> Path:
    return settings.prefect_home / STATE_FILE


def read_state(settings: Settings) -> ServerState | None:
    path = _state_path(settings)
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["processes"] = {k: tuple(v) for k, v in raw["processes"].items()}
    return ServerState(**raw)


def _alive(pid: int, created: float) -> bool:
    try:
        return abs(psutil.Process(pid).create_time() - created) < 0.01
    except psutil.NoSuchProcess:
        return False


def _prefect() -> str:
    return str(Path(sys.executable).with_name("prefect"))


def _spawn(role: str, args: list[str], env: dict, cwd: Path, logs: Path, state: ServerState) -> subprocess.Popen:
    log = (logs / f"{role}.log").open("ab")
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    state.processes[role] = (proc.pid, psutil.Process(proc.pid).create_time())
    return proc


def _run(args: list[str], env: dict, cwd: Path, what: str, timeout: float) -> str:
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ServerError(f"{what}: quá {timeout:.0f} giây / timed out after {timeout:.0f} s") from None
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-2000:]
        raise ServerError(f"{what} thất bại / failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def _wait_healthy(api_url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"Máy chủ Prefect dừng ngay khi khởi động (exit {proc.returncode}) / server exited")
        try:
            # /ready, not /health: it answers once the server's database is usable, not just the socket
            with urllib.request.urlopen(f"{api_url}/ready", timeout=2) as r:  # noqa: S310 - our 127.0.0.1 server
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise ServerError(f"Máy chủ Prefect không trả lời sau {timeout:.0f} giây / no answer from {api_url}")


def _wait_for_pool(api_url: str, state: ServerState, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(*state.processes["worker"]):
            raise ServerError(f"Worker dừng ngay khi khởi động; xem {state.logs}/worker.log / the worker exited")
        try:
            with urllib.request.urlopen(f"{api_url}/work_pools/{WORK_POOL}", timeout=2) as r:  # noqa: S310 - 127.0.0.1
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise ServerError(f"Work pool {WORK_POOL} chưa được tạo sau {timeout:.0f} giây / the work pool never appeared")


def start(
    settings: Settings,
    deployments: Sequence[str] | None = None,
    port: int | None = None,
    worker: bool = True,
    extra_env: dict[str, str] | None = None,
    timeout: float = 180.0,
) -> ServerState:
    """``deployments``: None deploys every deployment in prefect.yaml, ``[]`` none, else those names."""
    current = read_state(settings)
    if current and any(_alive(*p) for p in current.processes.values()):
        raise ServerError(
            f"Máy chủ ddss đã chạy tại {current.ui_url}; dừng bằng 'ddss server stop' / already running at {current.ui_url}"
        )
    home = settings.prefect_home.resolve()
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    state = ServerState(api_url=api_url, port=port, home=str(home), logs=str(logs))
    env = prefect_cli_env(settings, api_url, extra_env)
    root = settings.root
    try:
        server = _spawn(
            "server", [_prefect(), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, root, logs, state
        )
        _save(settings, state)  # recorded before anything can fail, so `stop` always finds it
        began = time.monotonic()
        _wait_healthy(api_url, server, timeout)
        state.timings["server_ready_s"] = round(time.monotonic() - began, 1)
        if worker:  # `prefect worker start --type process` creates the pool itself (one CLI start-up less)
            _spawn("worker", [_prefect(), "worker", "start", "--pool", WORK_POOL, "--type", "process"], env, root, logs, state)
            _save(settings, state)
        else:
            _run(
                [_prefect(), "work-pool", "create", WORK_POOL, "--type", "process", "--overwrite"],
                env, root, "Tạo work pool / creating the work pool", timeout,
            )  # fmt: skip
        if deployments is None or deployments:
            # One process and one API client for all 34 (flows/deploy.py), not `prefect deploy --all`.
            # It starts while the worker starts (both spend most of their time importing Prefect)
            # and waits for the worker's pool itself.
            names = [a for n in deployments or () for a in ("--name", n)]
            args = [sys.executable, "-m", "flows.deploy", "--wait-pool", str(timeout), *names]
            out = _run(args, env, root, "Triển khai / deploying", 2 * timeout)
            state.deployments = json.loads(out.strip().splitlines()[-1])["deployed"]
            state.timings["deployed_s"] = round(time.monotonic() - began, 1)
        if worker:
            _wait_for_pool(api_url, state, timeout)
        state.timings["ready_s"] = round(time.monotonic() - began, 1)
        _save(settings, state)
    except BaseException:
        stop(settings)
        raise
    return state


def _save(settings: Settings, state: ServerState) -> None:
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")


def stop(settings: Settings, grace_s: float = 15.0) -> list[str]:
    """End the worker, then the server, each with its process group (the flow runs a worker
    started die with it); returns the roles that were still running."""
    state = read_state(settings)
    if state is None:
        return []
    stopped = []
    for role in sorted(state.processes, key=lambda r: r != "worker"):  # worker first: it reports to the server
        pid, created = state.processes[role]
        if not _alive(pid, created):
            continue
        leader = psutil.Process(pid)
        members = [leader, *leader.children(recursive=True)]  # uvicorn workers, flow runs of the worker
        _signal_group(pid, signal.SIGTERM)  # started with start_new_session: its group id is its pid
        _gone, left = psutil.wait_procs(members, timeout=grace_s)
        for p in left:
            try:
                p.kill()  # psutil refuses a pid that was reused by another process
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(left, timeout=grace_s)
        stopped.append(role)
    _state_path(settings).unlink(missing_ok=True)
    return stopped


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
