"""The few HTML pages the gateway shows itself: the login chooser and the logout confirmation.

Every value is escaped; the pages load nothing, cannot be framed and are never cached. Their
Content-Security-Policy lets a form go only where its flow goes: browsers apply `form-action` to
every redirect that follows a form post too, so the logout form lists the provider's end-session
origin, where its POST is redirected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from aiohttp import web
from yarl import URL

_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action {}; frame-ancestors 'none'; base-uri 'none'"
# An origin as a CSP host-source: nothing that could end the directive or the policy.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]+)?$")


def headers(form_targets: Sequence[str] = ()) -> dict[str, str]:
    """The pages' headers; `form_targets` are the other origins a form's redirects may reach."""
    form_action = " ".join(["'self'", *form_targets])
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": _CSP.format(form_action),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


HEADERS = headers()


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL, when it is safe to name in a policy."""
    try:
        found = str(URL(url).origin())
    except ValueError:
        return None
    return found if _ORIGIN.match(found) else None


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}"
    "a.idp,button{display:block;width:100%;box-sizing:border-box;margin:.5rem 0;padding:.7rem;"
    "border:1px solid #888;border-radius:.4rem;background:#f4f4f4;color:#111;text-align:center;"
    "text-decoration:none;font-size:1rem;cursor:pointer}"
)


def page(title: str, body: str, status: int = 200, form_targets: Sequence[str] = ()) -> web.Response:
    """A small self-contained HTML page."""
    text = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f'<meta name=viewport content="width=device-width"><style>{_STYLE}</style></head>'
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    answer_headers = headers(form_targets) if form_targets else HEADERS
    return web.Response(status=status, text=text, content_type="text/html", headers=answer_headers)


def chooser(options: Sequence[tuple[str, str]]) -> web.Response:
    """One button per identity provider: (label, login URL), already in display order."""
    links = "".join(f'<a class=idp href="{escape(url)}">{escape(label)}</a>' for label, url in options)
    return page("Sign in", f"<p>Choose how to sign in:</p><nav>{links}</nav>")


def logout_confirmation(action: str, csrf: str, return_to: str, form_targets: Sequence[str] = ()) -> web.Response:
    """Asks before signing out; the form carries the CSRF token, its POST goes on to `form_targets`."""
    form = (
        f'<form method=post action="{escape(action)}">'
        f'<input type=hidden name=csrf value="{escape(csrf)}">'
        f'<input type=hidden name=rd value="{escape(return_to)}">'
        "<button type=submit name=logout value=yes>Sign out</button></form>"
    )
    return page("Sign out", f"<p>Do you want to sign out?</p>{form}", form_targets=form_targets)


def signed_out(home: str) -> web.Response:
    """Shown when there is nothing (left) to sign out of."""
    return page("Signed out", f'<p>You are signed out.</p><p><a href="{escape(home)}">Continue</a></p>')
