"""SETs (RFC 8417) as made and as checked, subject identifiers (RFC 9493), SSF metadata."""

from __future__ import annotations

import base64
import json
import time
import warnings
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jws, jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import RSAKey

from gateway.oauth import set as sets
from gateway.oauth import ssf, subject_ids
from gateway.oauth.accesstoken import AccessTokenValidator
from gateway.oauth.errors import InvalidToken
from gateway.oauth.idtoken import IdTokenValidator
from gateway.oauth.jwks import JwksCache
from gateway.oauth.logout_token import LogoutTokenValidator
from gateway.oauth.set_verify import SetRejected, SetVerifier, StaticKeys
from tests.support.sets import check_set
from tests.support.signer import CLIENT_ID, JwksServer
from tests.support.signer import ISSUER as signer_issuer

ISS = "https://gw-a.example.com"
AUD = "https://gw-b.example.com"
KEY = RSAKey.generate_key(2048)
SIGNER = sets.SetSigner(ISS, KEY)
USER = subject_ids.iss_sub("https://idp.example.com", "alice")


def revoked(**overrides: Any) -> dict[str, Any]:
    claims = SIGNER.claims(AUD, subject_ids.complex_subject(USER, subject_ids.opaque("sid-1")),
                           sets.session_revoked(time.time(), "user", "The user logged out"))  # fmt: skip
    claims.update(overrides)
    return claims


def verifier() -> SetVerifier:
    return SetVerifier({ISS: StaticKeys(SIGNER.jwks())}, [AUD])


def test_a_session_revoked_set_passes_every_header_and_claim_rule() -> None:
    claims = check_set(SIGNER.sign(revoked()), SIGNER.jwks(), ISS, AUD)
    assert claims["sub_id"] == {
        "format": "complex",
        "user": {"format": "iss_sub", "iss": "https://idp.example.com", "sub": "alice"},
        "session": {"format": "opaque", "id": "sid-1"},
    }


def test_every_set_has_a_fresh_jti_and_txn() -> None:
    one, two = revoked(), revoked()
    assert one["jti"] != two["jti"] and one["txn"] != two["txn"]


def test_a_signing_key_under_2048_bits_is_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # joserfc's own warning about the same thing
        key = RSAKey.import_key(small)
    with pytest.raises(ValueError, match="2048"):
        sets.SetSigner(ISS, key)


def test_the_initiating_entity_must_be_one_of_caeps() -> None:
    with pytest.raises(ValueError, match="initiating_entity"):
        sets.session_revoked(1.0, "robot", "x")


async def test_a_valid_set_is_accepted_with_its_subject_and_events() -> None:
    received = await verifier().verify(SIGNER.sign(revoked()))
    assert received.iss == ISS and received.sub_id["format"] == "complex"
    assert list(received.events) == [sets.SESSION_REVOKED]


async def test_an_encrypted_set_is_decrypted_with_the_receivers_key() -> None:
    receiver_key = RSAKey.generate_key(2048)
    token = SIGNER.sign(revoked(), encrypt_to=receiver_key)
    assert token.count(".") == 4
    protected = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert (protected["alg"], protected["enc"]) == ("RSA-OAEP-256", "A256GCM")
    received = await SetVerifier({ISS: StaticKeys(SIGNER.jwks())}, [AUD], receiver_key).verify(token)
    assert received.jti


OTHER = RSAKey.generate_key(2048)


def _signed(claims: dict[str, Any], header: dict[str, Any] | None = None, key: RSAKey = KEY) -> str:
    head = {"alg": "RS256", "typ": "secevent+jwt", "kid": SIGNER.kid, **(header or {})}
    head = {k: v for k, v in head.items() if v is not None}
    return jws.serialize_compact(head, json.dumps(claims).encode(), key, algorithms=["RS256"])


def _id_token() -> str:
    claims = {"iss": ISS, "sub": "alice", "aud": AUD, "exp": int(time.time()) + 60, "iat": int(time.time())}
    return jwt.encode({"alg": "RS256", "kid": SIGNER.kid, "typ": "JWT"}, claims, KEY)


def _logout_token() -> str:
    claims = {"iss": ISS, "aud": AUD, "iat": int(time.time()), "jti": "j" * 16, "sub": "alice",
              "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}  # fmt: skip
    return _signed(claims, {"typ": "logout+jwt"})


NEGATIVE = [
    ("not a JWT", lambda: "hello", "invalid_request"),
    ("bad signature", lambda: _signed(revoked(), key=OTHER), "invalid_key"),
    ("unknown kid", lambda: _signed(revoked(), {"kid": "nope"}), "invalid_key"),
    ("wrong iss", lambda: _signed(revoked(iss="https://evil.example.com")), "invalid_issuer"),
    ("wrong aud", lambda: _signed(revoked(aud="https://other.example.com")), "invalid_audience"),
    ("typ missing", lambda: _signed(revoked(), {"typ": None}), "invalid_request"),
    ("typ JWT", lambda: _signed(revoked(), {"typ": "JWT"}), "invalid_request"),
    ("an id_token", _id_token, "invalid_request"),
    ("a logout token", _logout_token, "invalid_request"),
    ("missing events", lambda: _signed({k: v for k, v in revoked().items() if k != "events"}), "invalid_request"),
    ("bad sub_id", lambda: _signed(revoked(sub_id={"format": "iss_sub", "iss": ISS})), "invalid_request"),
    ("alg none", lambda: "eyJhbGciOiJub25lIiwidHlwIjoic2VjZXZlbnQrand0In0." + "e30.", "invalid_key"),
]


@pytest.mark.parametrize(("case", "make", "err"), NEGATIVE, ids=[c[0] for c in NEGATIVE])
async def test_a_bad_set_is_refused_with_the_rfc_8935_error(case: str, make: Any, err: str) -> None:
    with pytest.raises(SetRejected) as refused:
        await verifier().verify(make())
    assert refused.value.err == err, refused.value.description


SUBJECTS = [
    ({"format": "email", "email": "Alice@Example.com"}, True),
    ({"format": "iss_sub", "iss": "https://idp", "sub": "alice"}, True),
    ({"format": "opaque", "id": "x"}, True),
    ({"format": "phone_number", "phone_number": "+12065550100"}, True),
    ({"format": "complex", "user": {"format": "email", "email": "a@b.c"}}, True),
    ({"format": "iss_sub", "iss": "https://idp"}, False),
    ({"format": "email", "email": "not-an-address"}, False),
    ({"format": "unknown", "id": "x"}, False),
    ({"format": "complex"}, False),
    ({"format": "complex", "user": {"format": "opaque"}}, False),
    ({"format": "complex", "bogus": {"format": "opaque", "id": "x"}}, False),
    ("alice", False),
]


@pytest.mark.parametrize(("value", "valid"), SUBJECTS)
def test_subject_identifiers_follow_rfc_9493_formats(value: Any, valid: bool) -> None:
    if valid:
        assert subject_ids.validate(value) == value
    else:
        with pytest.raises(subject_ids.InvalidSubject):
            subject_ids.validate(value)


def test_email_domains_compare_case_insensitively() -> None:
    assert subject_ids.canonical_email("Alice@Example.COM") == "Alice@example.com"


@pytest.mark.parametrize(
    ("issuer", "path"),
    [("https://gw.example.com", "/.well-known/ssf-configuration"),
     ("https://gw.example.com/", "/.well-known/ssf-configuration"),
     ("https://gw.example.com/tenant/a", "/.well-known/ssf-configuration/tenant/a")],
)  # fmt: skip
def test_the_metadata_path_inserts_the_well_known_part_after_the_host(issuer: str, path: str) -> None:
    assert ssf.well_known_path(issuer) == path


@pytest.mark.parametrize("expected", ["id_token", "access token", "logout token"])
async def test_a_set_is_never_accepted_where_another_token_is_expected(
    expected: str, jwks_server: JwksServer, signer_keys: JwksCache
) -> None:
    signer = sets.SetSigner(signer_issuer, RSAKey.generate_key(2048))
    jwks_server.extra = signer.jwks()["keys"]
    subject = subject_ids.iss_sub(signer_issuer, "alice")
    token = signer.sign(signer.claims(CLIENT_ID, subject, sets.session_revoked(time.time(), "user", "logout")))
    validators = {
        "id_token": lambda: IdTokenValidator(signer_issuer, CLIENT_ID, signer_keys).validate(token, nonce=None),
        "access token": lambda: AccessTokenValidator(signer_issuer, CLIENT_ID, signer_keys).validate(token),
        "logout token": lambda: LogoutTokenValidator(signer_issuer, CLIENT_ID, signer_keys).validate(token),
    }
    with pytest.raises(InvalidToken):
        await validators[expected]()
