"""The deployment's pseudonym secret (Decree 13/2023): HMAC-SHA-256 keys with a key id.

A person's ``record_key`` is ``P<kid>-`` + the first 16 hex digits of HMAC-SHA-256(secret,
ID): without the secret, hashing every possible ID recovers nothing. The secret is made
on first use (32 random bytes) in ``Settings.key_dir`` (default ``~/.config/ddss``, outside
the repo and the reports; point every machine of one national deployment at the same
folder or copy the file), owner-only (0600). The key file keeps every key ever made;
the newest is current. Rotation (``rotate``) adds a key with a new id: pseudonyms stored
before keep their id, so history stays readable and comparable under the old key.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from ddss.settings import Settings
from ddss.storage_errors import StorageError

__all__ = ["KEY_FILE", "PseudonymKey", "current_key", "key_by_id", "rotate"]

KEY_FILE = "pseudonym_keys.json"


@dataclass(frozen=True)
class PseudonymKey:
    kid: str  # short id stored in every pseudonym made with this key
    secret: bytes

    def __repr__(self) -> str:  # never print the secret (logs, tracebacks, Prefect states)
        return f"PseudonymKey(kid={self.kid!r})"


def _path(settings: Settings) -> Path:
    return settings.key_dir / KEY_FILE


def _read(path: Path) -> list[PseudonymKey]:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        os.chmod(path, 0o600)  # a copied file may have come with wider permissions
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = [PseudonymKey(str(k["kid"]), bytes.fromhex(k["secret"])) for k in data["keys"]]
    if not keys or not all(k.kid.isdigit() and len(k.secret) >= 16 for k in keys):
        raise ValueError(f"tệp khoá bí danh {path} không hợp lệ / pseudonym key file {path} is invalid")
    return keys


def _write(path: Path, keys: list[PseudonymKey]) -> None:
    """Owner-only from the first byte (created 0600, not chmod-ed after), then renamed in."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"keys": [{"kid": k.kid, "secret": k.secret.hex()} for k in keys]}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise StorageError(path.parent, e) from None


def _keys(settings: Settings) -> list[PseudonymKey]:
    path = _path(settings)
    if path.exists():
        return _read(path)
    # Two processes starting at once must not each make a key: link() refuses to replace.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    _write(tmp, [PseudonymKey("1", secrets.token_bytes(32))])
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError as e:
        raise StorageError(path.parent, e) from None
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def current_key(settings: Settings) -> PseudonymKey:
    """The newest key, made on first use."""
    return _keys(settings)[-1]


def key_by_id(settings: Settings, kid: str) -> PseudonymKey:
    for k in _keys(settings):
        if k.kid == kid:
            return k
    raise KeyError(f"không có khoá bí danh {kid!r} / no pseudonym key {kid!r} in {_path(settings)}")


def rotate(settings: Settings) -> PseudonymKey:
    """Add a new current key; older keys stay, for pseudonyms already stored."""
    keys = _keys(settings)
    new = PseudonymKey(str(max(int(k.kid) for k in keys) + 1), secrets.token_bytes(32))
    _write(_path(settings), [*keys, new])
    return new
