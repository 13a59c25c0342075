"""The few HTML pages the gateway shows itself: the login chooser and the logout confirmation.

Every value is escaped; the pages load nothing, cannot be framed and are never cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiohttp import web

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}"
    "a.idp,button{display:block;width:100%;box-sizing:border-box;margin:.5rem 0;padding:.7rem;"
    "border:1px solid #888;border-radius:.4rem;background:#f4f4f4;color:#111;text-align:center;"
    "text-decoration:none;font-size:1rem;cursor:pointer}"
)


def page(title: str, body: str, status: int = 200) -> web.Response:
    """A small self-contained HTML page."""
    text = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f'<meta name=viewport content="width=device-width"><style>{_STYLE}</style></head>'
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(status=status, text=text, content_type="text/html", headers=HEADERS)


def chooser(options: Sequence[tuple[str, str]]) -> web.Response:
    """One button per identity provider: (label, login URL), already in display order."""
    links = "".join(f'<a class=idp href="{escape(url)}">{escape(label)}</a>' for label, url in options)
    return page("Sign in", f"<p>Choose how to sign in:</p><nav>{links}</nav>")


def logout_confirmation(action: str, csrf: str, return_to: str) -> web.Response:
    """Asks before signing out; the form carries the CSRF token."""
    form = (
        f'<form method=post action="{escape(action)}">'
        f'<input type=hidden name=csrf value="{escape(csrf)}">'
        f'<input type=hidden name=rd value="{escape(return_to)}">'
        "<button type=submit name=logout value=yes>Sign out</button></form>"
    )
    return page("Sign out", f"<p>Do you want to sign out?</p>{form}")


def signed_out(home: str) -> web.Response:
    """Shown when there is nothing (left) to sign out of."""
    return page("Signed out", f'<p>You are signed out.</p><p><a href="{escape(home)}">Continue</a></p>')
