"""TLS to upstreams and control-plane peers: which CAs to trust, and a client certificate for mTLS.

Every context built here verifies the peer's chain and its host name, and the pool always sends
SNI (`server_hostname`); TLS 1.2 is the floor. `insecure: true` switches verification off for one
handler, as OpenIG's `TrustAllManager` does; it must be written out, and it is logged as a warning
each time a route using it loads.
"""

from __future__ import annotations

import logging
import ssl

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger("gateway.tls")


class TlsOptions(BaseModel):
    """TLS settings of one client (ClientHandler, an identity provider)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    caBundle: str | None = Field(None, description="PEM file of the CA certificates to trust, instead of the system's.")
    certificate: str | None = Field(
        None, description="PEM file of the client certificate (and its chain) presented for mTLS."
    )
    key: str | None = Field(
        None, description="PEM file of the client certificate's private key, if not in `certificate`."
    )
    insecure: bool = Field(
        False, description="Accept any certificate for any host name. For tests only; logged as a warning."
    )


class TlsConfigError(ValueError):
    """A TLS option that cannot be used; `option` names it."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def default_client_context() -> ssl.SSLContext:
    """The system's CAs, host name checks on, TLS 1.2 or newer."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def client_context(options: TlsOptions, where: str = "") -> ssl.SSLContext:
    """An SSLContext for `options`; raises TlsConfigError naming the option whose file does not load."""
    try:
        context = ssl.create_default_context(cafile=options.caBundle)
    except (OSError, ssl.SSLError) as exc:
        raise TlsConfigError("caBundle", f"cannot load CA bundle {options.caBundle!r}: {_reason(exc)}") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if options.key and not options.certificate:
        raise TlsConfigError("key", "a key needs its certificate: set `certificate` too")
    if options.certificate:
        try:
            context.load_cert_chain(options.certificate, options.key)
        except (OSError, ssl.SSLError) as exc:
            message = f"cannot load client certificate {options.certificate!r}: {_reason(exc)}"
            raise TlsConfigError("certificate", message) from exc
    if options.insecure:
        log.warning("TLS verification is off (insecure: true)%s: any certificate is accepted", where)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _reason(exc: OSError) -> str:
    # ssl.SSLError is an OSError whose `reason` is the readable part (e.g. "PEM lib").
    return str(getattr(exc, "reason", None) or exc.strerror or exc)
