"""Network guard: the product must never reach the internet at run time (README, "Offline").

``install()`` wraps ``socket.connect``/``connect_ex``/``create_connection`` so that any
connection to a non-loopback address raises ``OfflineViolation`` and is remembered in
``ATTEMPTS``. Tests install it for the whole session (conftest) and, through
``offline_site/sitecustomize.py`` on PYTHONPATH, in every subprocess they start.
"""

from __future__ import annotations

import ipaddress
import socket

__all__ = ["ATTEMPTS", "OfflineViolation", "install", "is_local"]

ATTEMPTS: list[str] = []


class OfflineViolation(RuntimeError):
    pass


def is_local(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX path
        return True
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: not local


def _guard(original):
    def connect(self, address, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address):
            ATTEMPTS.append(repr(address))
            raise OfflineViolation(f"ddss tried to reach the internet: {address!r}")
        return original(self, address, *args, **kwargs)

    return connect


def install() -> None:
    if getattr(socket.socket.connect, "_ddss_guard", False):
        return
    for name in ("connect", "connect_ex"):
        wrapped = _guard(getattr(socket.socket, name))
        wrapped._ddss_guard = True  # type: ignore[attr-defined]
        setattr(socket.socket, name, wrapped)
    original_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host not in (None, "localhost") and not _is_ip_literal(host):
            ATTEMPTS.append(f"dns:{host}")
            raise OfflineViolation(f"ddss tried to resolve an internet host: {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def _is_ip_literal(host) -> bool:
    """Resolving a literal address needs no DNS; connect() then judges the address."""
    if isinstance(host, bytes):
        host = host.decode()
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False
