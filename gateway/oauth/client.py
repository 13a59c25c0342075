"""Client authentication at the token endpoint (RFC 6749 2.3.1, OpenID Connect Core 9).

`client_secret_basic` form-urlencodes the id and secret before Basic encoding, as RFC 6749
2.3.1 requires, so that secrets with `:` or non-ASCII characters survive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

import aiohttp

AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A registered client: its id, and its secret unless it is a public client."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    method: AuthMethod = "client_secret_basic"

    def __post_init__(self) -> None:
        if self.method != "none" and not self.client_secret:
            raise ValueError(f"client {self.client_id!r}: {self.method} needs a client secret")

    def authenticate(self, form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """Return the form and the headers that authenticate this client."""
        if self.method == "client_secret_basic" and self.client_secret is not None:
            user, password = quote(self.client_id, safe=""), quote(self.client_secret, safe="")
            return form, {"Authorization": aiohttp.encode_basic_auth(user, password)}
        data = {**form, "client_id": self.client_id}
        if self.method == "client_secret_post" and self.client_secret is not None:
            data["client_secret"] = self.client_secret
        return data, {}
