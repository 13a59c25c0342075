"""The main listener's TLS: the server context, its certificate reloaded when the files change, and
the client certificate as expressions see it (`contexts.client.certificates`).

TLS 1.2 is the floor, with forward-secret AEAD ciphers only (TLS 1.3 suites are all such). Client
certificates (mTLS) are asked for when `clientCa` is set: `optional` lets clients without one in,
`required` refuses the handshake.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

log = logging.getLogger("gateway.tls")

# TLS 1.2 suites: ECDHE or DHE key exchange, AES-GCM or ChaCha20-Poly1305 (Mozilla's "intermediate").
CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL"
CLIENT_AUTH = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}


class TlsFileError(ValueError):
    """A certificate, key or CA file that does not load; `option` names the setting."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class ServerTls:
    """Where the listener's certificate, key and client CAs are, and whether client certificates are asked for."""

    certificate: str
    key: str | None
    client_ca: str | None
    client_auth: str = "none"

    def context(self) -> ssl.SSLContext:
        """A new server context; raises TlsFileError naming the file that does not load."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(CIPHERS)
        context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
        self.load_chain(context)
        if self.client_ca:
            try:
                context.load_verify_locations(cafile=self.client_ca)
            except (OSError, ssl.SSLError) as exc:
                raise TlsFileError("clientCa", f"cannot load {self.client_ca!r}: {_reason(exc)}") from exc
            context.verify_mode = CLIENT_AUTH[self.client_auth]
        return context

    def load_chain(self, context: ssl.SSLContext) -> None:
        """(Re)load the certificate chain and key into `context`; new handshakes present them."""
        try:
            context.load_cert_chain(self.certificate, self.key)
        except (OSError, ssl.SSLError) as exc:
            raise TlsFileError("certificate", f"cannot load {self.certificate!r}: {_reason(exc)}") from exc

    def pinned_client(self) -> ssl.SSLContext:
        """A client context that trusts exactly this listener's certificate, for the gateway calling
        itself on loopback (the studio's "try it"): the address is not the certificate's name, and the
        pinned certificate, read anew at each call, is what proves the peer is this listener."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        try:
            context.load_verify_locations(cafile=self.certificate)
        except (OSError, ssl.SSLError) as exc:
            raise TlsFileError("certificate", f"cannot load {self.certificate!r}: {_reason(exc)}") from exc
        return context

    def files(self) -> list[Path]:
        """The files whose change reloads the certificate."""
        return [Path(name) for name in (self.certificate, self.key) if name]


async def reload_on_change(tls: ServerTls, context: ssl.SSLContext, interval: float) -> None:
    """Poll the certificate and key files; when they change, load them into the running context."""
    seen = _stamps(tls.files())
    while True:
        await asyncio.sleep(interval)
        stamps = _stamps(tls.files())
        if stamps == seen:
            continue
        seen = stamps
        try:
            tls.load_chain(context)
        except TlsFileError as exc:
            # Often a half-written pair (new certificate, old key): the next change loads it.
            log.error("TLS certificate not reloaded, the previous one stays: %s", exc)
            continue
        log.info("TLS certificate reloaded from %s", tls.certificate)


def _stamps(files: list[Path]) -> list[tuple[int, int] | None]:
    stamps: list[tuple[int, int] | None] = []
    for path in files:
        try:
            stat = path.stat()
            stamps.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append(None)
    return stamps


def peer_certificates(ssl_object: Any) -> list[dict[str, Any]]:
    """The client's certificates, leaf first: the verified chain where Python exposes it (3.13+), else the leaf."""
    if ssl_object is None:
        return []
    chain = getattr(ssl_object, "get_verified_chain", None)
    if chain is not None:
        ders = [ssl.PEM_cert_to_DER_cert(cert.public_bytes()) for cert in chain()]  # PEM is the default format
    else:
        leaf = ssl_object.getpeercert(binary_form=True)
        ders = [leaf] if leaf else []
    return [certificate_view(der) for der in ders]


def certificate_view(der: bytes) -> dict[str, Any]:
    """One certificate as expressions see it: subject, issuer, serial, validity, names and PEM."""
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        alt_names = [str(getattr(name, "value", name)) for name in names]
    except x509.ExtensionNotFound:
        alt_names = []
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serialNumber": format(cert.serial_number, "x"),
        "notBefore": cert.not_valid_before_utc.isoformat(),
        "notAfter": cert.not_valid_after_utc.isoformat(),
        "subjectAltNames": alt_names,
        "pem": ssl.DER_cert_to_PEM_cert(der),
    }


def _reason(exc: OSError) -> str:
    # ssl.SSLError is an OSError whose `reason` is the readable part (e.g. "PEM lib").
    return str(getattr(exc, "reason", None) or exc.strerror or exc)
