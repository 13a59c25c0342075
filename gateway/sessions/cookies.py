"""Session cookies: the session sealed with JWE (`dir` + A256GCM, RFC 7516/7518), split across
several cookies when it is too large for one, and never truncated."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from multidict import CIMultiDict, CIMultiDictProxy

from gateway.sessions.errors import SessionTooLarge

Cookie = tuple[str, str, dict[str, Any]]
"""(name, value, attributes): the arguments of `response.set_cookie(name, value, **attributes)`."""

# Browsers keep about 4096 bytes per cookie, name and attributes included.
CHUNK_BYTES = 3800
MAX_CHUNKS = 12
# The main listener accepts a Cookie header this long, so that every chunk (and the site's own
# cookies) get through; servers commonly stop at 8 KiB.
COOKIE_HEADER_BYTES = 64 * 1024
_HEADER = {"alg": "dir", "enc": "A256GCM"}
# Made once: given a list of algorithms, joserfc builds a registry for every call.
_REGISTRY = jwe.JWERegistry(algorithms=["dir", "A256GCM"])
_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


class CookieCodec:
    """Seals values into cookies named NAME, or NAME.0, NAME.1, ... and reads them back."""

    def __init__(self, key: bytes, name: str, same_site: str) -> None:
        self._key = OctKey.import_key(key)
        self.name = name
        self.same_site = same_site
        self._chunk_names = tuple(f"{name}.{i}" for i in range(MAX_CHUNKS))

    def seal(self, record: Mapping[str, Any]) -> str:
        """The record, encrypted and authenticated, as a JWE compact string."""
        payload = json.dumps(record, separators=(",", ":")).encode()
        return jwe.encrypt_compact(_HEADER, payload, self._key)

    def open(self, value: str) -> Any:
        """The record sealed in `value`, or None when it was not sealed with this key or was altered."""
        try:
            return json.loads(jwe.decrypt_compact(value, self._key, registry=_REGISTRY).plaintext or b"")
        except (JoseError, ValueError, TypeError):
            return None

    def read(self, cookies: Mapping[str, str]) -> str | None:
        """The sealed value carried by a request's cookies, reassembled from its chunks."""
        whole = cookies.get(self.name)
        if whole:
            return whole
        first = cookies.get(self._chunk_names[0])
        if not first:
            return None
        # The first chunk says how many there are, so stale chunks from a larger session are ignored.
        count, sep, head = first.partition("~")
        if not sep or not count.isdigit() or not 2 <= int(count) <= MAX_CHUNKS:
            return None
        parts = [head, *(cookies.get(n) for n in self._chunk_names[1 : int(count)])]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)

    def cookies(self, value: str, *, secure: bool, max_age: int, present: Mapping[str, str] | None) -> list[Cookie]:
        """Cookies carrying `value`, plus deletions of the stale ones (all in `present`, when known)."""
        attrs = self._attributes(secure) | {"max_age": max(0, max_age)}
        if len(value) <= CHUNK_BYTES:
            written: list[Cookie] = [(self.name, value, attrs)]
        else:
            written = [(n, v, attrs) for n, v in zip(self._chunk_names, self._split(value), strict=False)]
        names = {name for name, _, _ in written}
        # Unknown request: delete what a reader would otherwise prefer (NAME over NAME.0).
        stale = present if present is not None else ({self.name} if len(names) > 1 else {self._chunk_names[0]})
        return written + [c for c in self.deletions(stale, secure=secure) if c[0] not in names]

    def deletions(self, present: Mapping[str, str] | set[str], *, secure: bool) -> list[Cookie]:
        """Cookies that delete every session cookie among `present`."""
        attrs = self._attributes(secure) | {"max_age": 0, "expires": _EPOCH}
        return [(name, "", attrs) for name in (self.name, *self._chunk_names) if name in present]

    def present(self, headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> dict[str, str]:
        """The session's cookies among a request's Cookie headers (the last of a name wins, as in aiohttp).

        Cheaper than parsing every cookie of the request: most headers never mention the name."""
        return self.take(headers.getall("Cookie", ()))[0]

    def take(self, values: Iterable[str]) -> tuple[dict[str, str], list[str] | None]:
        """The session's cookies among Cookie header values, and the values without them (None when no
        value mentions the name: nothing to strip)."""
        found: dict[str, str] = {}
        values = list(values)
        if not any(self.name in value for value in values):
            return found, None
        kept: list[str] = []
        for value in values:
            # A value holding one cookie (a session alone) needs no split: a scan for ";" is cheaper.
            parts = [c for c in (value.split(";") if ";" in value else (value,)) if not self._found(c, found)]
            if any(c.strip() for c in parts):
                kept.append(";".join(parts).strip())
        return found, kept

    def _found(self, part: str, found: dict[str, str]) -> bool:
        """Whether one `name=value` of a Cookie header is the session's (recorded in `found` when it has a value)."""
        name, sep, cookie = part.partition("=")
        name = name.strip()
        if not self.owns(name):
            return False
        if sep:
            cookie = cookie.strip()
            found[name] = cookie[1:-1] if len(cookie) > 1 and cookie[0] == cookie[-1] == '"' else cookie
        return True

    def owns(self, name: str) -> bool:
        """Whether a cookie name is one of the session's."""
        return name == self.name or name in self._chunk_names

    def strip(self, headers: CIMultiDict[str]) -> None:
        """Remove the session cookies from Cookie headers (the upstream never needs them)."""
        replace_cookies(headers, self.take(headers.getall("Cookie", ()))[1])

    def _split(self, value: str) -> list[str]:
        # The first chunk keeps room for its "NN~" count.
        head = CHUNK_BYTES - 3
        rest = value[head:]
        tail = [rest[i : i + CHUNK_BYTES] for i in range(0, len(rest), CHUNK_BYTES)]
        if len(tail) + 1 > MAX_CHUNKS:
            raise SessionTooLarge(f"a session of {len(value)} bytes needs more than {MAX_CHUNKS} cookies")
        return [f"{len(tail) + 1}~{value[:head]}", *tail]

    def _attributes(self, secure: bool) -> dict[str, Any]:
        return {"path": "/", "httponly": True, "samesite": self.same_site, "secure": secure}


def set_cookies(response: web.StreamResponse, cookies: list[Cookie]) -> None:
    """Add the cookies to an unprepared response."""
    for name, value, attrs in cookies:
        response.set_cookie(name, value, **attrs)


def replace_cookies(headers: CIMultiDict[str], kept: list[str] | None) -> None:
    """Put `kept` (from `CookieCodec.take`) in place of the Cookie headers; None leaves them as they are."""
    if kept is not None:
        headers.popall("Cookie", None)
        for value in kept:
            headers.add("Cookie", value)
