"""The gateway's 256-bit master key, from which the session cookie key (and other keys, each for
one purpose) are derived: from the configured secret, or random and kept in the state folder so
that every worker of the machine (and every restart) uses the same one."""

from __future__ import annotations

import base64
import logging
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.keyfile import create_once

log = logging.getLogger("gateway.sessions")

KEY_BYTES = 32
KEY_FILE = "session.key"


def derive_key(material: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose (HKDF-SHA256); different purposes give unrelated keys."""
    info = f"gateway {purpose} v1".encode()
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(material)


def session_key(secret: str | None, state: str | Path) -> bytes:
    """The master key: from `secret` when given, else the key file in `state` (created once)."""
    if secret is not None:
        return derive_key(secret.encode(), "master key")
    return load_or_create_key(Path(state) / KEY_FILE)


def load_or_create_key(path: Path) -> bytes:
    """Read the key file; when it is missing, create it so that racing processes all agree on one key."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    if create_once(path, base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)) + b"\n"):
        log.info("created a new session key in %s", path)
    return _read(path)


def _read(path: Path) -> bytes:
    key = base64.urlsafe_b64decode(path.read_bytes().strip())
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path} does not hold a {KEY_BYTES * 8}-bit key")
    if path.stat().st_mode & 0o077:
        log.warning("%s is readable by other users; restrict it with chmod 600", path)
    return key
