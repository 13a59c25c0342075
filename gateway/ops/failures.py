"""Upstream failures named by kind, a small fixed set that labels `gateway_upstream_errors_total`."""

from __future__ import annotations

import errno
import socket
import ssl

import aiohttp

from gateway.errors import GatewayError, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream.connection import BrokenOff, Disconnected

KINDS = ("timeout", "refused", "connect", "dns", "tls", "closed", "reset", "payload", "other")


def is_upstream_failure(error: GatewayError) -> bool:
    """Whether the error says the upstream failed, rather than the client or the gateway."""
    return isinstance(error, UpstreamUnavailable | UpstreamTimeout)


def upstream_failure_kind(error: GatewayError) -> str:
    """One of KINDS, read from the error's class and the exception it was raised from."""
    if isinstance(error, UpstreamTimeout):
        return "timeout"
    cause = error.__cause__
    if isinstance(cause, ConnectionResetError):
        return "reset"
    if isinstance(error, Disconnected):
        return "closed"
    if isinstance(error, BrokenOff):
        return "payload"
    # The proxy's own client raises from the socket's error; order matters, these are all OSErrors.
    if isinstance(cause, ssl.SSLError | ssl.CertificateError):
        return "tls"
    if isinstance(cause, socket.gaierror):
        return "dns"
    if isinstance(cause, ConnectionRefusedError):
        return "refused"
    if isinstance(cause, OSError) and not isinstance(cause, aiohttp.ClientError):
        return "connect"
    # aiohttp's errors, from websocket upgrades.
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
