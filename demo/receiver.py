"""`python -m demo.receiver`: a security signals receiver for the demo. It accepts SETs pushed by
the gateway (RFC 8935), checks each against the gateway's published JWKS, and prints it."""

from __future__ import annotations

import argparse
import json

import aiohttp
from aiohttp import web
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


async def _keys(jwks_url: str) -> KeySet:
    async with aiohttp.ClientSession() as http, http.get(jwks_url) as response:
        return KeySet.import_key_set(await response.json())


def make_app(jwks_url: str) -> web.Application:
    """The receiver: POST /events."""

    async def events(request: web.Request) -> web.Response:
        token = (await request.read()).decode()
        try:
            verified = jws.deserialize_compact(token, await _keys(jwks_url), algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            print(f"refused a SET: {exc}", flush=True)
            body = {"err": "invalid_key", "description": str(exc)}
            return web.json_response(body, status=400, headers={"Content-Language": "en"})
        print("received a Security Event Token, signature verified:", flush=True)
        print(json.dumps(verified.headers(), indent=2), flush=True)
        print(json.dumps(json.loads(verified.payload), indent=2), flush=True)
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/events", events)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="print the SETs the demo gateway pushes")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--jwks", default="http://127.0.0.1:8080/ssf/jwks")
    args = parser.parse_args()
    web.run_app(make_app(args.jwks), host="127.0.0.1", port=args.port, print=None)
