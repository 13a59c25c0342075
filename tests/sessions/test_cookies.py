"""Browser session cookies through a real gateway: encrypted, authenticated, split when large."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from multidict import CIMultiDict

from gateway.sessions import SessionTooLarge
from gateway.sessions.cookies import CHUNK_BYTES, CookieCodec
from tests.sessions.conftest import (
    SECRET,
    cookie_header,
    make_settings,
    manager_of,
    mint,
    open_manager,
    private_route,
    request_with,
)
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.upstream import Upstream


@pytest.fixture
async def gateway(routes_dir: Path, state: Path) -> AsyncIterator[GatewayHandle]:
    """An in-process gateway serving /private behind a SessionFilter."""
    write_route(routes_dir, "10-private.json", private_route("${identity.sub} ${length(identity.claims.groups)}"))
    async with running_gateway(routes_dir, state=str(state), sessions={"secret": SECRET}) as gw:
        yield gw


async def fetch(http: aiohttp.ClientSession, gw: GatewayHandle, headers: dict[str, str]) -> tuple[int, str]:
    async with http.get(f"{gw.url}/private", headers=headers) as response:
        return response.status, await response.text()


async def test_a_session_cookie_admits_its_holder(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    manager = manager_of(gateway)
    session = await mint(manager, groups=["staff"])
    status, body = await fetch(http, gateway, cookie_header(manager.cookies_for(session, secure=False)))
    assert (status, body) == (200, "alice 1")


async def test_an_unchanged_session_is_not_set_again_and_a_touched_one_once(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    manager = manager_of(gateway)
    fresh = cookie_header(manager.cookies_for(await mint(manager), secure=False))
    stale = await mint(manager, "bob")
    stale.last_seen -= 2 * manager.touch_interval  # last seen a while ago: the first use records activity
    old = cookie_header(manager.cookies_for(stale, secure=False))
    resets = []
    for headers in (fresh, fresh, old, old):
        async with http.get(f"{gateway.url}/private", headers=headers) as response:
            assert response.status == 200
            resets.append(len(response.headers.getall("Set-Cookie", [])))
    assert resets == [0, 0, 1, 0]


async def test_a_request_without_a_session_cookie_is_refused(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{gateway.url}/private", headers={"Accept": "application/json"}) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "session_required"


async def test_the_cookie_shows_neither_the_subject_nor_the_tokens(gateway: GatewayHandle) -> None:
    session = await mint(manager_of(gateway), "carol-the-subject")
    [(_, value, attrs)] = manager_of(gateway).cookies_for(session, secure=False)[:1]
    decoded = b"".join(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in value.split("."))
    for secret in (b"carol-the-subject", b"access-carol", b"refresh-carol", b"carol-the-subject@example.com"):
        assert secret not in decoded and secret.decode() not in value
    assert attrs["httponly"] is True and attrs["path"] == "/" and attrs["samesite"] == "Lax"


async def test_a_tampered_cookie_is_refused_and_cleared(gateway: GatewayHandle, http: aiohttp.ClientSession) -> None:
    manager = manager_of(gateway)
    [(name, value, _)] = manager.cookies_for(await mint(manager), secure=False)[:1]
    header, key, iv, ciphertext, tag = value.split(".")
    flipped = ciphertext[:5] + ("A" if ciphertext[5] != "A" else "B") + ciphertext[6:]
    tampered = ".".join((header, key, iv, flipped, tag))
    async with http.get(f"{gateway.url}/private", headers={"Cookie": f"{name}={tampered}"}) as response:
        assert response.status == 401
        assert response.cookies[name]["max-age"] == "0"


async def test_a_cookie_sealed_with_another_key_is_refused(
    gateway: GatewayHandle, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    other = make_settings(tmp_path / "other", secret="another secret of at least thirty-two chars")
    async with open_manager(manager_of(gateway).store, other) as foreign:
        cookies = foreign.cookies_for(await mint(foreign), secure=False)
    assert (await fetch(http, gateway, cookie_header(cookies)))[0] == 401


async def test_a_large_session_is_split_across_cookies_and_reassembled(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    manager = manager_of(gateway)
    groups = [f"group-{i:05d}-with-a-long-name" for i in range(800)]
    cookies = manager.cookies_for(await mint(manager, groups=groups), secure=False)
    written = [(name, value) for name, value, attrs in cookies if attrs["max_age"] != 0]
    assert [name for name, _ in written] == [f"gw_session.{i}" for i in range(len(written))]
    assert len(written) > 2 and all(len(value) <= CHUNK_BYTES for _, value in written)
    assert ("gw_session", "") in [(n, v) for n, v, _ in cookies]  # the single-cookie form is deleted
    assert await fetch(http, gateway, cookie_header(cookies)) == (200, "alice 800")


async def test_stale_chunks_of_a_larger_session_are_deleted_and_ignored(
    gateway: GatewayHandle, http: aiohttp.ClientSession
) -> None:
    manager = manager_of(gateway)
    big = manager.cookies_for(await mint(manager, "big", groups=["g" * 40] * 600), secure=False)
    smaller = await mint(manager, "small", groups=["g" * 40] * 150)
    cookies = manager.cookies_for(smaller, secure=False, request=request_with(big))
    deleted = {name for name, _, attrs in cookies if attrs["max_age"] == 0}
    kept = {name for name, _, attrs in cookies if attrs["max_age"] != 0}
    big_chunks = {name for name, _, _ in big if name.startswith("gw_session.")}
    assert kept == {f"gw_session.{i}" for i in range(len(kept))} and 1 < len(kept) < len(big_chunks)
    assert deleted == big_chunks - kept
    # A browser that kept the stale chunks anyway still presents the smaller session intact.
    lingering = cookie_header(cookies)["Cookie"] + "; " + "; ".join(f"{n}=stale" for n in sorted(deleted))
    assert await fetch(http, gateway, {"Cookie": lingering}) == (200, "small 150")


async def test_a_session_too_large_for_the_browser_is_refused_never_truncated(gateway: GatewayHandle) -> None:
    manager = manager_of(gateway)
    session = await mint(manager, groups=[f"g{i:06d}" for i in range(12_000)])
    with pytest.raises(SessionTooLarge):
        manager.cookies_for(session, secure=False)


@pytest.mark.parametrize(
    ("headers", "trusted", "secure"),
    [
        ({}, [], False),
        ({"X-Forwarded-Proto": "https"}, [], False),
        ({"X-Forwarded-Proto": "https"}, ["127.0.0.1/32"], True),
        ({"X-Forwarded-Proto": "http"}, ["127.0.0.1/32"], False),
    ],
)
async def test_refreshed_cookies_are_secure_only_over_https_or_a_trusted_proxy(
    routes_dir: Path,
    state: Path,
    http: aiohttp.ClientSession,
    headers: dict[str, str],
    trusted: list[str],
    secure: bool,
) -> None:
    write_route(routes_dir, "10-private.json", private_route())
    config = {"state": str(state), "sessions": {"secret": SECRET}, "trustedProxies": trusted}
    async with running_gateway(routes_dir, **config) as gw:
        manager = manager_of(gw)
        session = await mint(manager)
        cookies = manager.cookies_for(session, secure=False)
        session.last_seen = time.time() - 2 * manager.touch_interval  # due for a touch, far from idle
        async with http.get(f"{gw.url}/private", headers={**cookie_header(cookies), **headers}) as response:
            assert response.status == 200
            assert bool(response.cookies["gw_session"]["secure"]) is secure


def test_sessions_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32"):
        make_settings(tmp_path, secret="short")
    with pytest.raises(ValueError, match="sameSite None needs secure"):
        make_settings(tmp_path, sameSite="None", secure=False)


async def test_the_upstream_gets_the_site_cookies_but_never_the_session_cookies(
    routes_dir: Path, state: Path, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    route = private_route()
    route["baseURI"] = upstream.url
    route["handler"]["config"]["handler"] = "ClientHandler"
    write_route(routes_dir, "10-private.json", route)
    async with running_gateway(routes_dir, state=str(state), sessions={"secret": SECRET}) as gw:
        manager = manager_of(gw)
        cookies = manager.cookies_for(await mint(manager, groups=["g" * 40] * 200), secure=False)
        header = {"Cookie": "theme=dark; " + cookie_header(cookies)["Cookie"] + "; lang=en"}
        async with http.get(f"{gw.url}/private/page", headers=header) as response:
            assert response.status == 200
            seen = dict((await response.json())["headers"])
    assert seen["Cookie"] == "theme=dark; lang=en"


def test_the_codec_finds_its_cookies_among_others_without_parsing_the_rest() -> None:
    codec = CookieCodec(b"k" * 32, "gw_session", "Lax")
    headers = CIMultiDict(
        [
            ("Cookie", 'theme=dark; gw_session.0="2~abc"; gw_session.1=def'),
            ("Cookie", "gw_session=whole; gw_sessionx=not-ours; other=gw_session"),
            ("Cookie", "gw_session=later"),
        ]
    )
    assert codec.present(headers) == {"gw_session.0": "2~abc", "gw_session.1": "def", "gw_session": "later"}
    assert codec.present(CIMultiDict([("Cookie", "theme=dark; lang=en")])) == {}
    assert codec.present(CIMultiDict()) == {}


def test_the_codec_takes_its_cookies_out_and_keeps_the_others() -> None:
    codec = CookieCodec(b"k" * 32, "gw_session", "Lax")
    values = ["theme=dark; gw_session=a; lang=en", "gw_session.0=2~b", "gw_session=c", "x=gw_session"]
    found, kept = codec.take(values)
    assert found == {"gw_session": "c", "gw_session.0": "2~b"}
    assert kept == ["theme=dark; lang=en", "x=gw_session"]
    assert codec.take(["theme=dark", "lang=en"]) == ({}, None)  # nothing of the session's: nothing to rewrite
