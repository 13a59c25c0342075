"""The login endpoint at `auth.loginPath`: the chooser page with one button per provider (in
`position` order), and the start of a login with the provider picked.

`choice` names what the route's OidcLoginFilter offers (its providers and scopes); without it,
every global provider is offered. `rd` is where to return, kept only if it is a same-origin path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from gateway.auth import pages
from gateway.auth.errors import BadCallback
from gateway.auth.flow import LoginChoice
from gateway.auth.redirects import safe_return_path

if TYPE_CHECKING:
    from gateway.auth.flow import BrowserLogin


class Chooser:
    """The handler at `auth.loginPath`."""

    def __init__(self, login: BrowserLogin) -> None:
        self.login = login

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Show the choice, or start the login with the provider picked."""
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        key = request.query.get("choice")
        choice = self.login.choices.get(key) if key else None
        if choice is None:
            key, choice = None, LoginChoice(tuple(self.login.providers))
        return_to = safe_return_path(request.query.get("rd"))
        offered = self.login.ordered(choice.providers)
        picked = request.query.get("idp")
        if picked is None and len(offered) == 1:
            picked = offered[0].name
        if picked is not None:
            provider = next((p for p in offered if p.name == picked), None)
            if provider is None:
                raise BadCallback(f"provider {picked!r} is not offered here", public="Unknown sign-in option.")
            return await self.login.begin(request, provider, choice.scopes, return_to)
        buttons = [(p.label, self.login.chooser_url(return_to, key, p.name)) for p in offered]
        return pages.chooser(buttons)
