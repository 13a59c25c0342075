"""The Python floor: the least an aiohttp reverse proxy does, to compare the gateway against."""

import argparse
import asyncio
import os
import signal
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

HTTP = web.AppKey("http", aiohttp.ClientSession)
UPSTREAM = web.AppKey("upstream", str)
NOT_FORWARDED = {"host", "connection", "keep-alive", "transfer-encoding", "content-length"}


async def forward(request: web.Request) -> web.Response:
    """Send method, path, headers and body upstream over the shared pool; return its status and body."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
    data = await request.read() if request.body_exists else None
    url = request.app[UPSTREAM] + request.path_qs
    async with request.app[HTTP].request(request.method, url, headers=headers, data=data) as upstream:
        body = await upstream.read()
        kind = upstream.headers.get("Content-Type", "application/octet-stream")
        return web.Response(status=upstream.status, body=body, headers={"Content-Type": kind})


async def client(app: web.Application) -> AsyncIterator[None]:
    app[HTTP] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), auto_decompress=False)
    yield
    await app[HTTP].close()


def serve(host: str, port: int, upstream: str) -> None:
    app = web.Application()
    app[UPSTREAM] = upstream.rstrip("/")
    app.cleanup_ctx.append(client)
    app.router.add_route("*", "/{tail:.*}", forward)
    loop: asyncio.AbstractEventLoop
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    web.run_app(app, host=host, port=port, reuse_port=True, access_log=None, print=None, loop=loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8000", help="HOST:PORT")
    parser.add_argument("--upstream", required=True, help="http://HOST:PORT")
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the port (SO_REUSEPORT)")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    children = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            serve(host, int(port), args.upstream)
            os._exit(0)
        children.append(pid)

    def forward_signal(signum: int, frame: object) -> None:
        for pid in children:
            os.kill(pid, signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward_signal)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
