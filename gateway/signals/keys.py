"""The transmitter's SET signing key: a PKCS#8 PEM from a file or a value (i2scim's `pub.pem.path`
and `pub.pem.value`), else an RSA key generated once and kept in the state folder, so that every
worker and every restart signs with the key its JWKS publishes; and the keys published beside it
during a rotation (`publishedKeys`: PEM files, private or public)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import RSAKey

from gateway.errors import ConfigError
from gateway.keyfile import create_once

log = logging.getLogger("gateway.signals")
KEY_FILE = "signals-signing.pem"
_BEGIN = "-----BEGIN PRIVATE KEY-----"
_END = "-----END PRIVATE KEY-----"


def signing_key(pem_path: str | None, pem_value: str | None, state: str | Path) -> RSAKey:
    """The RSA signing key from the configured PEM, or the state folder's (created once)."""
    if pem_path:
        try:
            return _import(Path(pem_path).read_text(encoding="ascii"), "$.signals.signing.pemPath")
        except OSError as exc:
            raise ConfigError("$.signals.signing.pemPath", f"cannot read {pem_path}: {exc}") from None
    if pem_value:
        text = pem_value if _BEGIN in pem_value else f"{_BEGIN}\n{pem_value.strip()}\n{_END}\n"
        return _import(text, "$.signals.signing.pemValue")
    return _import(_load_or_create(Path(state) / KEY_FILE), str(Path(state) / KEY_FILE))


def published_keys(paths: list[str]) -> list[RSAKey]:
    """The keys of `publishedKeys`, each an RSA key of at least 2048 bits (private or public PEM)."""
    found = []
    for n, path in enumerate(paths):
        where = f"$.signals.publishedKeys[{n}]"
        try:
            found.append(_import(Path(path).read_text(encoding="ascii"), where, public=True))
        except OSError as exc:
            raise ConfigError(where, f"cannot read {path}: {exc}") from None
    return found


def _import(pem: str, where: str, *, public: bool = False) -> RSAKey:
    try:
        with warnings.catch_warnings():
            # joserfc warns about small keys; the check below refuses them with a config error.
            warnings.simplefilter("ignore", SecurityWarning)
            key = RSAKey.import_key(pem)
    except (JoseError, ValueError, TypeError) as exc:
        what = "an RSA key in PEM" if public else "a PKCS#8 PEM RSA private key"
        raise ConfigError(where, f"not {what}: {exc}") from None
    if not public and key.private_key is None:
        raise ConfigError(where, "the SET signing key must be an RSA private key of at least 2048 bits")
    if key.public_key.key_size < 2048:
        raise ConfigError(where, "a SET signing key must be an RSA key of at least 2048 bits")
    return key


def _load_or_create(path: Path) -> str:
    """Read the key file; when missing, create it so that racing workers all agree on one key."""
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        pass
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if create_once(path, pem):
        log.info("created a new SET signing key in %s", path)
    return path.read_text(encoding="ascii")
