"""Errors of the browser login endpoints, each with a stable code."""

from __future__ import annotations

from gateway.errors import BadRequest, GatewayError


class LoginRequired(GatewayError):
    """An API client without a session on a route that needs one."""

    status = 401
    code = "login_required"
    public = "Sign in first."


class BadCallback(BadRequest):
    """A callback whose `state` is missing, unknown to this browser, expired or already used."""

    code = "bad_callback"
    public = "This sign-in attempt is not valid any more; please sign in again."


class LoginFailed(GatewayError):
    """The provider refused the sign-in (the user cancelled, consent was denied...)."""

    status = 401
    code = "login_failed"
    public = "Sign-in did not complete."


class CsrfRefused(GatewayError):
    """A logout form without this session's CSRF token."""

    status = 403
    code = "csrf_refused"
    public = "The sign-out form has expired; please try again."


class BadLogoutToken(BadRequest):
    """A back-channel logout request whose logout token fails a check."""

    code = "invalid_request"
    public = "The logout token is not valid."
