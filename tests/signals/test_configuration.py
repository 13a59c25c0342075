"""Streams and keys configured by file and by environment (i2scim's names), and bad values refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.errors import ConfigError, ConfigErrors
from gateway.settings import Settings
from gateway.signals.environment import VARIABLES, load_stream_file, with_environment
from gateway.signals.keys import published_keys, signing_key
from gateway.signals_settings import SignalsSettings
from tests.signals.conftest import ISSUER, SECRET, login, manager_of
from tests.support.gateway import running_gateway
from tests.support.set_receiver import SetReceiver
from tests.support.sets import unverified_claims


def _pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_the_environment_mirrors_i2scims_settings() -> None:
    env = {
        "GATEWAY_SIGNALS_ENABLE": "true", "GATEWAY_SIGNALS_PUB_ISS": ISSUER,
        "GATEWAY_SIGNALS_PUB_PUSH_ENDPOINT": "https://rcv.example.com/events",
        "GATEWAY_SIGNALS_PUB_PUSH_AUTH": "Bearer abc", "GATEWAY_SIGNALS_PUB_AUD": "a.example.com, b.example.com",
        "GATEWAY_SIGNALS_RCV_ISS": "https://tx.example.com",
        "GATEWAY_SIGNALS_RCV_ISS_JWKSURL": "https://tx.example.com/jwks",
        "GATEWAY_SIGNALS_RCV_AUD": "me.example.com",
        "GATEWAY_SIGNALS_RCV_POLL_ENDPOINT": "https://tx.example.com/poll", "GATEWAY_SIGNALS_RCV_POLL_AUTH": "Bearer p",
    }  # fmt: skip
    config = with_environment(SignalsSettings(), env)
    assert config.enabled and config.issuer == ISSUER
    [stream] = config.streams
    assert (stream.id, stream.endpoint, stream.token) == ("env-push", "https://rcv.example.com/events", "Bearer abc")
    assert stream.aud == ["a.example.com", "b.example.com"]
    [trusted] = config.receiver.issuers
    assert (trusted.iss, trusted.jwksUrl) == ("https://tx.example.com", "https://tx.example.com/jwks")
    assert config.receiver.audience == ["me.example.com"]
    [source] = config.receiver.poll
    assert (source.endpoint, source.auth) == ("https://tx.example.com/poll", "Bearer p")


def test_every_variable_names_its_i2scim_setting() -> None:
    for suffix, (i2scim, _) in VARIABLES.items():
        assert i2scim.startswith("scim.signals.")
        assert i2scim.removeprefix("scim.signals.").replace(".", "_").upper() == suffix


@pytest.mark.parametrize(
    ("env", "where"),
    [({"GATEWAY_SIGNALS_PUB_ALGNONE_OVERRIDE": "true"}, "algNoneOverride"),
     ({"GATEWAY_SIGNALS_ENABLE": "maybe"}, "GATEWAY_SIGNALS_ENABLE"),
     ({"GATEWAY_SIGNALS_PUB_TYPO": "x"}, "GATEWAY_SIGNALS_PUB_TYPO"),
     ({"GATEWAY_SIGNALS_RCV_ISS": "https://t", "GATEWAY_SIGNALS_RCV_ISS_JWKSJSON": "{"}, "JWKSJSON")],
)  # fmt: skip
def test_bad_environment_values_are_refused_naming_the_variable(env: dict[str, str], where: str) -> None:
    with pytest.raises(ConfigErrors) as refused:
        with_environment(SignalsSettings(), env)
    assert where in str(refused.value)


def test_alg_none_in_gateway_yaml_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="never sends unsigned"):
        Settings.model_validate({"signals": {"algNoneOverride": True}})


def test_an_i2scim_stream_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "stream.json"
    path.write_text(json.dumps({
        "alias": "sQs", "id": "6525f54e86b849e69ca1a779", "description": "Push Receiver", "token": "Bearer eyJ",
        "endpoint": "http://goSignals1:8888/events/6525f54e86b849e69ca1a779", "iss": "myissuer.io",
        "aud": "myissuer.io", "issJwksUrl": "",
    }))  # fmt: skip
    stream = load_stream_file(str(path))
    assert (stream.alias, stream.delivery, stream.iss, stream.aud) == ("sQs", "push", "myissuer.io", "myissuer.io")


def test_a_bad_stream_file_names_the_file_and_member(tmp_path: Path) -> None:
    path = tmp_path / "stream.json"
    path.write_text(json.dumps({"id": "s1", "endpoint": "http://x"}))
    with pytest.raises(ConfigErrors) as refused:
        load_stream_file(str(path))
    assert str(path) in str(refused.value) and "$.aud" in str(refused.value)


def test_the_signing_key_comes_from_a_file_a_value_or_the_state_folder(tmp_path: Path) -> None:
    pem = _pem()
    (tmp_path / "key.pem").write_text(pem)
    from_file = signing_key(str(tmp_path / "key.pem"), None, tmp_path / "state")
    body = "".join(pem.strip().splitlines()[1:-1])  # i2scim's value: the PEM minus BEGIN and END
    from_value = signing_key(None, body, tmp_path / "state")
    assert from_file.thumbprint() == from_value.thumbprint()
    made = signing_key(None, None, tmp_path / "state")
    assert signing_key(None, None, tmp_path / "state").thumbprint() == made.thumbprint() != from_file.thumbprint()


@pytest.mark.parametrize(("value", "message"), [("not a key", "PKCS#8"), (_pem(1024), "2048")])
def test_an_unusable_signing_key_is_a_config_error(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        signing_key(None, value, tmp_path)


def test_published_keys_take_public_pems_and_name_a_bad_one(tmp_path: Path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "next.pem").write_bytes(public)
    (tmp_path / "small.pem").write_text(_pem(1024))
    [key] = published_keys([str(tmp_path / "next.pem")])
    assert key.private_key is None
    with pytest.raises(ConfigError, match=r"publishedKeys\[1\].*2048"):
        published_keys([str(tmp_path / "next.pem"), str(tmp_path / "small.pem")])
    with pytest.raises(ConfigError, match=r"publishedKeys\[0\].*cannot read"):
        published_keys([str(tmp_path / "missing.pem")])


async def test_a_stream_file_and_an_environment_stream_each_get_sets(
    tmp_path: Path, routes_dir: Path, receiver: SetReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "stream.json"
    path.write_text(json.dumps({"id": "from-file", "endpoint": receiver.url, "aud": "file-aud", "token": "Bearer f"}))
    monkeypatch.setenv("GATEWAY_SIGNALS_ENABLE", "true")
    monkeypatch.setenv("GATEWAY_SIGNALS_PUB_ISS", ISSUER)
    monkeypatch.setenv("GATEWAY_SIGNALS_PUB_PUSH_ENDPOINT", receiver.url)
    monkeypatch.setenv("GATEWAY_SIGNALS_PUB_AUD", "env-aud")
    monkeypatch.setenv("GATEWAY_SIGNALS_PUB_CONFIG_FILE", str(path))
    settings = {"state": str(tmp_path / "state"), "sessions": {"secret": SECRET}}
    async with running_gateway(routes_dir, **settings) as gateway:
        await manager_of(gateway).end_session(await login(gateway), reason="logout", initiator="user")
        tokens = await receiver.wait_for(2)
    assert sorted(unverified_claims(t)["aud"] for t in tokens) == ["env-aud", "file-aud"]
