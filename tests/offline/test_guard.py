"""The offline guard itself works, here and in subprocesses (so the other tests can rely on it)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.support import offline


def test_connection_to_internet_address_is_refused_and_recorded():
    before = len(offline.ATTEMPTS)
    with pytest.raises(offline.OfflineViolation):
        socket.create_connection(("93.184.216.34", 443), timeout=1)
    assert offline.ATTEMPTS[before:] == ["('93.184.216.34', 443)"]
    del offline.ATTEMPTS[before:]  # expected here; keep the autouse guard quiet


def test_dns_lookup_of_internet_host_is_refused():
    before = len(offline.ATTEMPTS)
    with pytest.raises(offline.OfflineViolation):
        socket.getaddrinfo("api.prefect.cloud", 443)
    del offline.ATTEMPTS[before:]


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()


def test_subprocesses_are_guarded_too():
    code = "import socket; socket.create_connection(('93.184.216.34', 443), timeout=1)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "OfflineViolation" in proc.stderr
