"""An upstream's answer whose body is in hand, written the way aiohttp would write it, in fewer steps.

aiohttp prepares a response in several layers (`StreamResponse.prepare`, `_prepare_headers`, the
writer's header serialiser, `write_eof`): about a seventh of a proxied request's CPU.
For the common answer — a whole body (or none) as bytes, no compression, no chunking, no cookies
set on it, on the main listener's low-level server — this module does the same in one pass: the
same headers added (`Content-Length`, `Content-Type` for a body without one, `Date`, `Server`,
`Connection`), the same bodies left out (HEAD, 1xx, 204, 304), and head and body in one write.
The head is written from the upstream's header bytes when nothing read or changed the headers
(`raw_head`), else serialised by aiohttp's own serialiser (which refuses control characters).
Anything else, or a response a filter turned into one of those, goes through aiohttp unchanged.

This reads and sets aiohttp's private response state (`_body`, `_status`, `_reason`,
`_keep_alive`, `_eof_sent`, `_chunked`, `_compression`, `_cookies`, `_payload_writer`,
`_body_length`), builds `_headers` (which aiohttp's own code reads) when first asked for, and uses
its header serialiser; `tests/handlers/test_relayed.py` fails if aiohttp stops keeping them there.
"""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.client_exceptions import ClientConnectionResetError
from aiohttp.compression_utils import MAX_SYNC_CHUNK_SIZE
from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE, HttpVersion10, HttpVersion11
from aiohttp.http_writer import _serialize_headers
from multidict import CIMultiDict

from gateway.handlers.raw_head import raw_head
from gateway.http.defaults import DeferredHeaders
from gateway.keys import RELAYED

# Statuses whose answers carry no body and lose any Content-Length (RFC 9110 §8.6, §15.3.5).
_EMPTY_STATUS = frozenset({204, 304, *range(100, 200)})
_FALLBACK_TYPE = "application/octet-stream"
# A low-level server's request runs no prepare hooks; an application's (`web.Request`) does.
_PLAIN_HOOK = web.BaseRequest._prepare_hook
# Handed to aiohttp's constructor for the headers, which are only built when asked for.
_UNBUILT: CIMultiDict[str] = CIMultiDict()


class RelayedResponse(web.Response, DeferredHeaders):
    """An upstream's status, relayed headers and whole body, written in one call when plain.

    The headers stay the upstream's bytes until something asks for them (`headers`, or aiohttp's
    own `_headers`): an answer no filter looked at is written from those bytes (`raw_head`)."""

    # What `web.Response.__init__`, which is skipped, would set; aiohttp's compression reads them.
    _zlib_executor_size = MAX_SYNC_CHUNK_SIZE
    _zlib_executor = None

    def __init__(self, status: int, reason: str, raw: list[tuple[bytes, bytes]], body: bytes) -> None:
        # Built straight from the upstream's fields: no decoding, no body type lookup.
        self._raw = raw
        web.StreamResponse.__init__(self, status=status, reason=reason, _real_headers=_UNBUILT)
        self._state[RELAYED] = True
        self._body = body or None

    @property  # type: ignore[override]
    def _headers(self) -> CIMultiDict[str]:
        """The relayed headers where aiohttp keeps them: built on first use (`built_headers`)."""
        return self.built_headers()

    @_headers.setter
    def _headers(self, headers: CIMultiDict[str]) -> None:
        if headers is not _UNBUILT:
            self._built = headers

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        """Write head and body at once when nothing asks for aiohttp's own machinery."""
        body = self._body
        if not (body is None or type(body) is bytes) or not self._plain(request):
            return await super().prepare(request)
        body = body or b""
        written = None if self._built is not None else self._from_raw(request, body)
        head, body = written or self._serialised(request, body)
        transport = request.transport
        if transport is None or transport.is_closing():
            # As aiohttp's writer: the client left; the server ends the connection quietly.
            raise ClientConnectionResetError("Cannot write to closing transport")
        transport.write(head + body if body else head)
        self._eof_sent = True
        self._body_length = len(head) + len(body)
        await request.writer.drain()
        return None

    def _plain(self, request: web.BaseRequest) -> bool:
        return (
            self._payload_writer is None
            and not (self._eof_sent or self._chunked or self._compression or self._cookies)
            and type(request)._prepare_hook is _PLAIN_HOOK
        )

    def _from_raw(self, request: web.BaseRequest, body: bytes) -> tuple[bytes, bytes] | None:
        """`_serialised` from the upstream's bytes; None when those need aiohttp's serialiser after all."""
        status, method = self._status, request.method
        version = request.version
        return raw_head(
            self._raw,
            self._defaults,
            f"HTTP/{version.major}.{version.minor} {status} {self._reason}\r\n",
            status in _EMPTY_STATUS or (method == hdrs.METH_CONNECT and 200 <= status < 300),
            method == hdrs.METH_HEAD,
            body,
            self._connection(request),
        )

    def _serialised(self, request: web.BaseRequest, body: bytes) -> tuple[bytes, bytes]:
        """The head as aiohttp's `prepare` would write it, and the body that follows it."""
        headers, status, method = self._headers, self._status, request.method
        connect = method == hdrs.METH_CONNECT and 200 <= status < 300
        if hdrs.CONTENT_LENGTH not in headers and (body or (status != 304 and method != hdrs.METH_HEAD)):
            headers[hdrs.CONTENT_LENGTH] = str(len(body))
        if status in _EMPTY_STATUS or connect:
            headers.popall(hdrs.CONTENT_LENGTH, None)
        if status in _EMPTY_STATUS or connect or method == hdrs.METH_HEAD:
            headers.popall(hdrs.TRANSFER_ENCODING, None)
            return self._head(request, headers), b""
        if int(headers[hdrs.CONTENT_LENGTH]):
            headers.setdefault(hdrs.CONTENT_TYPE, _FALLBACK_TYPE)
        return self._head(request, headers), body

    def _head(self, request: web.BaseRequest, headers: CIMultiDict[str]) -> bytes:
        if hdrs.DATE not in headers:
            headers[hdrs.DATE] = rfc822_formatted_time()
        headers.setdefault(hdrs.SERVER, SERVER_SOFTWARE)
        connection = self._connection(request)
        if connection is not None and hdrs.CONNECTION not in headers:
            headers[hdrs.CONNECTION] = connection
        version = request.version
        # aiohttp's own serialiser (C): the same bytes, the same refusal of control characters.
        return _serialize_headers(f"HTTP/{version.major}.{version.minor} {self._status} {self._reason}", headers)

    def _connection(self, request: web.BaseRequest) -> str | None:
        """The Connection header aiohttp adds: keep-alive for HTTP/1.0 kept alive, close for HTTP/1.1 closed."""
        keep_alive = self._keep_alive
        if keep_alive is None:
            keep_alive = self._keep_alive = request.keep_alive
        version = request.version
        if keep_alive and version == HttpVersion10:
            return "keep-alive"
        if not keep_alive and version == HttpVersion11:
            return "close"
        return None
