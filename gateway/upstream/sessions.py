"""aiohttp client sessions per TLS context, for control-plane clients (an identity provider) that
have their own CA bundle or client certificate; the shared session serves everyone else."""

from __future__ import annotations

import ssl

import aiohttp


class TlsSessions:
    """One session per SSLContext, opened on first use and closed with the process's HTTP client."""

    def __init__(self) -> None:
        self._sessions: dict[ssl.SSLContext, aiohttp.ClientSession] = {}

    def session(self, context: ssl.SSLContext) -> aiohttp.ClientSession:
        """The session whose connections use `context` (its pool is its own)."""
        session = self._sessions.get(context)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(ssl=context, ttl_dns_cache=60)
            session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
            self._sessions[context] = session
        return session

    async def close(self) -> None:
        """Close every session opened so far."""
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()
