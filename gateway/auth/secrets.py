"""Keys of the login and logout endpoints, derived from the gateway's master key (the sessions'
key machinery), so that every worker and instance sharing it reads the others' cookies and tokens.

One key per purpose: a sealed login transaction can never pass for a logout state.
"""

from __future__ import annotations

import hashlib
import hmac

from gateway.auth.transaction import Sealer
from gateway.sessions.keys import derive_key


class AuthKeys:
    """The sealers and the CSRF key of the browser login endpoints."""

    def __init__(self, master: bytes) -> None:
        self.transactions = Sealer(derive_key(master, "login transaction"))
        self.logout_states = Sealer(derive_key(master, "logout state"))
        self._csrf = derive_key(master, "logout csrf")

    def csrf_token(self, session_id: str) -> str:
        """The logout form's token for this session (nothing to store: it is a MAC of the id)."""
        return hmac.new(self._csrf, session_id.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, session_id: str, token: str) -> bool:
        """Whether `token` is this session's logout token."""
        return hmac.compare_digest(self.csrf_token(session_id).encode(), token.encode())
