"""A real OpenID provider for tests and benchmarks (`idp/provider.mjs`, oidc-provider on node), and a browser.

    with IdP(redirect_uris=["http://127.0.0.1:8080/oauth2/callback"]) as idp:
        async with browser() as session:
            final = await login(session, authorize_url, "alice")

`IdP` writes the provider's JSON config and a fixed signing key set to a temporary folder, starts
node on a free loopback port (chosen by the provider itself, so no race), waits for `READY`, and
stops the process on exit, also when the test fails. `rotate_keys()` restarts it on the same port
with new keys; sessions and grants are lost then (the provider keeps them in memory).

The browser helpers drive the provider's development login, consent, device and logout pages with
an aiohttp session and a cookie jar, filling forms found by `html.parser`.
"""

from __future__ import annotations

import asyncio
import json
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from joserfc.jwk import KeySet, RSAKey
from yarl import URL

from gateway.oauth.client import ClientCredentials

IDP_DIR = Path(__file__).resolve().parent
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
API_RESOURCE = "urn:gateway:api"
WEB_CLIENT_ID = "gateway-web"
WEB_CLIENT_SECRET = "gateway-web-secret"
DEVICE_CLIENT_ID = "gateway-device"


def ensure_node_modules() -> None:
    """Install the provider's npm packages from package-lock.json when they are missing."""
    if (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed; install Node.js 20+ with npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True, capture_output=True)


def new_signing_keys(*kids: str) -> dict[str, Any]:
    """A private RSA JWKS (one 2048-bit key per kid) for the provider's `--jwks` option."""
    keys = [RSAKey.generate_key(2048, {"kid": kid, "use": "sig", "alg": "RS256"}) for kid in kids]
    return dict(KeySet(list(keys)).as_dict(private=True))


def web_client_metadata(
    redirect_uris: Iterable[str],
    *,
    client_id: str = WEB_CLIENT_ID,
    client_secret: str = WEB_CLIENT_SECRET,
    post_logout_redirect_uris: Iterable[str] = (),
    backchannel_logout_uri: str | None = None,
) -> dict[str, Any]:
    """Registration metadata of a confidential web client (code + PKCE, refresh, device)."""
    metadata: dict[str, Any] = {
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uris": list(redirect_uris),
        "post_logout_redirect_uris": list(post_logout_redirect_uris),
        "grant_types": ["authorization_code", "refresh_token", DEVICE_GRANT],
        "response_types": ["code"],
    }
    if backchannel_logout_uri is not None:
        metadata["backchannel_logout_uri"] = backchannel_logout_uri
        metadata["backchannel_logout_session_required"] = True
    return metadata


def device_client_metadata(client_id: str = DEVICE_CLIENT_ID) -> dict[str, Any]:
    """Registration metadata of a public device client (RFC 8628, no secret)."""
    return {
        "client_id": client_id,
        "token_endpoint_auth_method": "none",
        "grant_types": [DEVICE_GRANT, "refresh_token"],
        "response_types": [],
        "redirect_uris": [],
    }


class IdP:
    """One oidc-provider process on loopback, configured from JSON."""

    def __init__(
        self,
        *,
        redirect_uris: Sequence[str] = ("http://127.0.0.1:8080/oauth2/callback",),
        post_logout_redirect_uris: Sequence[str] = (),
        backchannel_logout_uri: str | None = None,
        clients: Sequence[Mapping[str, Any]] | None = None,
        resources: Mapping[str, Any] | None = None,
        ttl: Mapping[str, int] | None = None,
        accounts: Mapping[str, Mapping[str, Any]] | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        if clients is None:
            web = web_client_metadata(
                redirect_uris,
                post_logout_redirect_uris=post_logout_redirect_uris,
                backchannel_logout_uri=backchannel_logout_uri,
            )
            clients = [web, device_client_metadata()]
        self.config: dict[str, Any] = {"clients": [dict(c) for c in clients]}
        self.config["resources"] = dict(resources or {API_RESOURCE: {"scope": "api:read api:write"}})
        self.config["ttl"] = dict(ttl or {})
        self.config["accounts"] = {k: dict(v) for k, v in (accounts or {}).items()}
        self.jwks = new_signing_keys("idp-key-1")
        self.startup_timeout = startup_timeout
        self.issuer = ""
        self.port = 0
        self._dir = Path(tempfile.mkdtemp(prefix="idp-test-"))
        self._process: subprocess.Popen[str] | None = None

    @property
    def web_client(self) -> ClientCredentials:
        """Credentials of the first confidential client."""
        entry = next(c for c in self.config["clients"] if c.get("client_secret"))
        return ClientCredentials(entry["client_id"], entry["client_secret"])

    @property
    def device_client(self) -> ClientCredentials:
        """Credentials of the first public client."""
        entry = next(c for c in self.config["clients"] if not c.get("client_secret"))
        return ClientCredentials(entry["client_id"], method="none")

    @property
    def public_jwks(self) -> dict[str, Any]:
        """The provider's public signing keys, as its `jwks_uri` serves them."""
        return dict(KeySet.import_key_set(self.jwks).as_dict(private=False))  # type: ignore[arg-type]

    def start(self) -> IdP:
        """Start the provider and wait until it prints READY."""
        ensure_node_modules()
        (self._dir / "config.json").write_text(json.dumps(self.config))
        (self._dir / "jwks.json").write_text(json.dumps(self.jwks))
        args = ["node", str(IDP_DIR / "provider.mjs"), "--port", str(self.port)]
        args += ["--config", str(self._dir / "config.json"), "--jwks", str(self._dir / "jwks.json")]
        with (self._dir / "idp.log").open("a") as log:
            self._process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True, cwd=IDP_DIR)
        self.issuer = self._wait_ready()
        self.port = URL(self.issuer).port or 0
        return self

    def _wait_ready(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and self._process.poll() is None:
            readable, _, _ = select.select([self._process.stdout], [], [], 0.1)
            if readable:
                line = self._process.stdout.readline()
                if line.startswith("READY "):
                    return line.split(" ", 1)[1].strip()
        self.stop()
        raise RuntimeError(f"the OpenID provider did not start:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the provider (its sessions and grants are lost)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def rotate_keys(self, *kids: str, keep_old: bool = False) -> IdP:
        """Restart on the same port and issuer, signing with new keys (old ones kept if asked)."""
        fresh = new_signing_keys(*(kids or (f"idp-key-{time.monotonic_ns()}",)))
        self.jwks = {"keys": fresh["keys"] + (self.jwks["keys"] if keep_old else [])}
        self.stop()
        return self.start()

    def close(self) -> None:
        """Stop the provider and remove its folder."""
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def log_tail(self) -> str:
        """The end of the provider's stderr, for failure messages."""
        path = self._dir / "idp.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def __enter__(self) -> IdP:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    async def __aenter__(self) -> IdP:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.close)


def browser() -> aiohttp.ClientSession:
    """A client session with a cookie jar that keeps cookies of IP hosts like 127.0.0.1."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


@dataclass
class Form:
    """An HTML form: where it posts, its prefilled fields, and its submit buttons."""

    action: str
    method: str
    id: str | None
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            form = Form(a.get("action", ""), a.get("method", "get").upper(), a.get("id"))
            self.forms.append(form)
            self._current = form
        elif tag in ("input", "button") and a.get("name"):
            owner = self._owner(a.get("form"))
            if owner is None:
                return
            if tag == "button" or a.get("type") == "submit":
                owner.buttons.append((a["name"], a.get("value", "")))
            else:
                owner.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None

    def _owner(self, form_id: str | None) -> Form | None:
        if form_id:
            return next((f for f in self.forms if f.id == form_id), None)
        return self._current


def parse_forms(html: str) -> list[Form]:
    """Every form in a page, with buttons that sit outside it but name it by `form=`."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass
class _Answers:
    """What the browser's user types and clicks."""

    username: str
    password: str = "any-password"
    user_code: str | None = None
    deny: bool = False

    def fill(self, forms: list[Form]) -> tuple[Form, dict[str, str]] | None:
        for form in forms:
            data = dict(form.fields)
            if "login" in data:
                return form, {**data, "login": self.username, "password": self.password}
            if "user_code" in data and form.id == "op.deviceInputForm" and self.user_code:
                # Entered once: a second input page means the provider refused or aborted.
                code, self.user_code = self.user_code, None
                return form, {**data, "user_code": code}
            if form.id == "op.deviceConfirmForm":
                return form, {**data, "abort": "yes"} if self.deny else data
            if form.id == "op.logoutForm":
                return form, {**data, "logout": "yes"}
            if data.get("prompt") == "consent":
                return form, data
        return None


async def _browse(
    session: aiohttp.ClientSession,
    url: URL,
    answers: _Answers,
    stop_at: str | None,
    max_steps: int = 20,
) -> URL:
    """Follow redirects and fill the provider's forms until a page needs nothing more."""
    method, data = "GET", None
    for _ in range(max_steps):
        if stop_at is not None and str(url).startswith(stop_at):
            return url
        async with session.request(method, url, data=data, allow_redirects=False) as response:
            location = response.headers.get("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url, method, data = url.join(URL(location)), "GET", None
                continue
            page = await response.text() if response.content_type == "text/html" else ""
        chosen = answers.fill(parse_forms(page)) if response.status == 200 else None
        if chosen is None:
            return url
        form, data = chosen
        url, method = url.join(URL(form.action or str(url))), form.method
    raise RuntimeError(f"no end after {max_steps} steps at {url}")


async def login(
    session: aiohttp.ClientSession,
    authorize_url: str | URL,
    username: str,
    *,
    stop_at: str | None = None,
) -> URL:
    """Log in through the development login and consent pages; return the final URL.

    With `stop_at`, return the first URL that starts with it without requesting it (for
    example the redirect URI carrying `code` and `state`).
    """
    return await _browse(session, URL(str(authorize_url)), _Answers(username), stop_at)


async def approve_device(
    session: aiohttp.ClientSession, idp: IdP, user_code: str, username: str, deny: bool = False
) -> URL:
    """Enter a user code at the provider, then confirm and log in (or abort with `deny`)."""
    answers = _Answers(username, user_code=user_code, deny=deny)
    return await _browse(session, URL(idp.issuer) / "device", answers, None)


async def confirm_logout(
    session: aiohttp.ClientSession, end_session_url: str | URL, *, stop_at: str | None = None
) -> URL:
    """Visit an RP-initiated logout URL and confirm the sign-out; return the final URL."""
    return await _browse(session, URL(str(end_session_url)), _Answers(""), stop_at)
