"""PKCE S256 (RFC 7636) and state/nonce values."""

from __future__ import annotations

import re

from gateway.oauth.pkce import Pkce, new_nonce, new_state, s256_challenge, verify_s256

# RFC 7636 Appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def test_s256_challenge_matches_the_rfc_7636_example() -> None:
    assert s256_challenge(RFC_VERIFIER) == RFC_CHALLENGE


def test_verify_s256_accepts_the_verifier_and_refuses_another() -> None:
    assert verify_s256(RFC_VERIFIER, RFC_CHALLENGE)
    assert not verify_s256(RFC_VERIFIER[:-1] + "Y", RFC_CHALLENGE)


def test_new_verifier_uses_the_unreserved_alphabet_and_matches_its_challenge() -> None:
    pkce = Pkce.new()
    assert UNRESERVED.match(pkce.verifier)
    assert pkce.method == "S256"
    assert verify_s256(pkce.verifier, pkce.challenge)


def test_verifier_state_and_nonce_are_fresh_each_time() -> None:
    assert len({Pkce.new().verifier for _ in range(50)}) == 50
    assert len({new_state() for _ in range(50)} | {new_nonce() for _ in range(50)}) == 100


def test_verifier_stays_out_of_the_repr() -> None:
    pkce = Pkce.new()
    assert pkce.verifier not in repr(pkce)
