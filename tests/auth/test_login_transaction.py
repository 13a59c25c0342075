"""The login transaction cookie: sealed, bound to its state, short-lived, one per attempt."""

from __future__ import annotations

import dataclasses
import os
import time

import pytest

from gateway.auth.secrets import AuthKeys
from gateway.auth.transaction import Sealer, Transaction, cookie_name
from gateway.oauth.pkce import s256_challenge


def _new() -> tuple[Transaction, str]:
    tx, pkce = Transaction.new("corp", "https://gw.example/oauth2/callback", "/app")
    return tx, pkce.challenge


def test_a_transaction_round_trips_through_its_cookie() -> None:
    keys = AuthKeys(os.urandom(32))
    tx, challenge = _new()
    opened = Transaction.unseal(keys.transactions, tx.seal(keys.transactions))
    assert opened == tx
    assert s256_challenge(tx.verifier) == challenge


def test_each_attempt_has_fresh_state_nonce_verifier_and_its_own_cookie() -> None:
    first, _ = _new()
    second, _ = _new()
    assert first.state != second.state and first.nonce != second.nonce and first.verifier != second.verifier
    assert first.cookie_name != second.cookie_name
    assert first.cookie_name == cookie_name(first.state)


def test_a_cookie_sealed_with_another_key_or_altered_is_refused() -> None:
    keys, other = AuthKeys(os.urandom(32)), AuthKeys(os.urandom(32))
    tx, _ = _new()
    sealed = tx.seal(keys.transactions)
    assert Transaction.unseal(other.transactions, sealed) is None
    head, iv, body, tag = sealed.split(".")[0], *sealed.split(".")[2:]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    assert Transaction.unseal(keys.transactions, f"{head}..{iv}.{flipped}.{tag}") is None
    assert Transaction.unseal(keys.transactions, "not-a-jwe") is None


def test_a_sealed_logout_state_is_not_a_login_transaction() -> None:
    keys = AuthKeys(os.urandom(32))
    tx, _ = _new()
    assert Transaction.unseal(keys.transactions, tx.seal(keys.logout_states)) is None


def test_an_expired_transaction_is_refused() -> None:
    keys = AuthKeys(os.urandom(32))
    tx, _ = _new()
    old = dataclasses.replace(tx, expires=time.time() - 1)
    assert Transaction.unseal(keys.transactions, old.seal(keys.transactions)) is None


def test_a_sealer_needs_a_256_bit_key() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Sealer(b"short")


def test_csrf_tokens_are_bound_to_the_session() -> None:
    keys = AuthKeys(os.urandom(32))
    token = keys.csrf_token("session-a")
    assert keys.check_csrf("session-a", token)
    assert not keys.check_csrf("session-b", token)
    assert not keys.check_csrf("session-a", "")
