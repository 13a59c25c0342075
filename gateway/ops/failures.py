"""Upstream failures named by kind, a small fixed set that labels `gateway_upstream_errors_total`."""

from __future__ import annotations

import errno

import aiohttp

from gateway.errors import GatewayError, UpstreamTimeout, UpstreamUnavailable

KINDS = ("timeout", "refused", "connect", "dns", "tls", "closed", "reset", "payload", "other")


def is_upstream_failure(error: GatewayError) -> bool:
    """Whether the error says the upstream failed, rather than the client or the gateway."""
    return isinstance(error, UpstreamUnavailable | UpstreamTimeout)


def upstream_failure_kind(error: GatewayError) -> str:
    """One of KINDS, read from the aiohttp exception the error was raised from."""
    if isinstance(error, UpstreamTimeout):
        return "timeout"
    cause = error.__cause__
    # Order matters: the TLS and DNS errors are subclasses of the connector error.
    if isinstance(cause, aiohttp.ClientSSLError):
        return "tls"
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return "dns"
    if isinstance(cause, aiohttp.ClientConnectorError):
        return "refused" if isinstance(cause.os_error, ConnectionRefusedError) else "connect"
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return "closed"
    if isinstance(cause, ConnectionResetError) or getattr(cause, "errno", None) == errno.ECONNRESET:
        return "reset"
    if isinstance(cause, aiohttp.ClientPayloadError):
        return "payload"
    return "other"
