"""Login churn for the soak: browsers that log in through the gateway at the real provider, use
their session across access-token refreshes, and log out (here and at the provider), over and over.

A refresh is seen from outside: the cookie route passes the access token upstream, the upstream
echoes it back in X-Upstream-Authorization, and a new value within one session is one refresh.
"""

from __future__ import annotations

import asyncio
import collections
import random
from dataclasses import dataclass

import aiohttp
from yarl import URL

from idp.driver import browser, confirm_logout, login, parse_forms

HTML = "text/html,application/xhtml+xml"
LOGOUT = "/oauth2/logout"
ECHO = "X-Upstream-Authorization"


class ChurnError(Exception):
    """A step of a browser's cycle did not go as a user would expect."""


@dataclass(frozen=True)
class ChurnPlan:
    """How the browsers behave: how many at once, how long a session lasts, how often it clicks."""

    browsers: int = 4
    session_seconds: tuple[float, float] = (40.0, 70.0)
    pause: float = 0.5


class Churn:
    """Runs `plan.browsers` looping browsers until stopped; counts what they did."""

    def __init__(self, gateway_url: str, body: bytes, plan: ChurnPlan) -> None:
        self.base = URL(gateway_url)
        self.page = self.base / "cookie" / "1k"
        self.body = body
        self.plan = plan
        self.counts: collections.Counter[str] = collections.Counter()
        self.last_error = ""
        self._users = 0

    def snapshot(self) -> dict[str, int]:
        """The counts so far (logins, refreshes, logouts, requests, errors)."""
        return dict(self.counts)

    async def run(self, stop: asyncio.Event) -> None:
        """Loop every browser until `stop` is set."""
        await asyncio.gather(*(self._browser(stop) for _ in range(self.plan.browsers)))

    async def _browser(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._users += 1
            try:
                await self._cycle(f"soak-{self._users}", stop)
            except (TimeoutError, ChurnError, aiohttp.ClientError, RuntimeError) as exc:
                self.counts["errors"] += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                await asyncio.sleep(1)

    async def _cycle(self, user: str, stop: asyncio.Event) -> None:
        """One user's visit: log in, click for a while, log out."""
        async with browser() as session:
            session.headers["Accept"] = HTML
            final = await login(session, self.page, user)
            if final != self.page:
                raise ChurnError(f"the login ended at {final}")
            self.counts["logins"] += 1
            loop = asyncio.get_running_loop()
            until = loop.time() + random.uniform(*self.plan.session_seconds)
            token = ""
            while loop.time() < until and not stop.is_set():
                seen = await self._click(session)
                self.counts["refreshes"] += bool(token) and seen != token
                token = seen
                await asyncio.sleep(self.plan.pause)
            await self._logout(session)

    async def _click(self, session: aiohttp.ClientSession) -> str:
        """One request to the session's page; the access token the upstream saw."""
        async with session.get(self.page, allow_redirects=False) as response:
            body = await response.read()
            self.counts["requests"] += 1
            if response.status != 200 or body != self.body:
                raise ChurnError(f"GET {self.page.path} with a session gave {response.status} {body[:120]!r}")
            return response.headers.get(ECHO, "")

    async def _logout(self, session: aiohttp.ClientSession) -> None:
        """Confirm the logout here, then at the provider, and come back."""
        async with session.get(self.base.with_path(LOGOUT).with_query(rd="/plain/1k")) as response:
            forms = parse_forms(await response.text())
        if len(forms) != 1:
            raise ChurnError(f"the logout page had {len(forms)} forms")
        data = forms[0].fields
        async with session.post(self.base.with_path(LOGOUT), data=data, allow_redirects=False) as response:
            if response.status != 302:
                raise ChurnError(f"POST {LOGOUT} gave {response.status}")
            to_provider = self.base.join(URL(response.headers["Location"]))
        final = await confirm_logout(session, to_provider, stop_at=str(self.base / "plain"))
        if final.path != "/plain/1k":
            raise ChurnError(f"the logout ended at {final}")
        self.counts["logouts"] += 1
