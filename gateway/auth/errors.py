"""Errors of the browser login endpoints, each with a stable code."""

from __future__ import annotations

from gateway.errors import BadRequest, Forbidden, Unauthorized


class LoginRequired(Unauthorized, code="login_required", public="Sign in first."):
    """An API client without a session on a route that needs one."""


class BadCallback(BadRequest, code="bad_callback"):
    """A callback whose `state` is missing, unknown to this browser, expired or already used."""

    public = "This sign-in attempt is not valid any more; please sign in again."


class LoginFailed(Unauthorized, code="login_failed", public="Sign-in did not complete."):
    """The provider refused the sign-in (the user cancelled, consent was denied...)."""


class CsrfRefused(Forbidden, code="csrf_refused", public="The sign-out form has expired; please try again."):
    """A logout form without this session's CSRF token."""


class BadLogoutToken(BadRequest, code="invalid_request", public="The logout token is not valid."):
    """A back-channel logout request whose logout token fails a check."""
