"""Sessions: browser logins in encrypted cookies, device logins behind opaque bearer tokens, both
revocable everywhere within a second, and one `SessionEnded` event per session end."""

from __future__ import annotations

from gateway.sessions.cookies import Cookie, set_cookies
from gateway.sessions.errors import SessionExpired, SessionRequired, SessionsUnavailable, SessionTooLarge
from gateway.sessions.events import EventBus
from gateway.sessions.manager import SessionManager, sessions_of
from gateway.sessions.model import Session, SessionEnded, Tokens
from gateway.sessions.settings import AuthSettings, SessionSettings

__all__ = [
    "AuthSettings",
    "Cookie",
    "EventBus",
    "Session",
    "SessionEnded",
    "SessionExpired",
    "SessionManager",
    "SessionRequired",
    "SessionSettings",
    "SessionTooLarge",
    "SessionsUnavailable",
    "Tokens",
    "sessions_of",
    "set_cookies",
]
