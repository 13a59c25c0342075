"""Signals configured by environment variables and stream files, as i2scim configures its own.

Each `GATEWAY_SIGNALS_*` variable mirrors one `scim.signals.*` setting of i2scim (dots become
underscores); a set variable overrides the `signals:` section of gateway.yaml. The manual push
stream (`..._PUB_PUSH_ENDPOINT`) becomes the stream `env-push`; the manual poll source
(`..._RCV_POLL_ENDPOINT`) a poll receiver. Stream files are JSON objects with i2scim's members
(`alias`, `id`, `description`, `token`, `endpoint`, `iss`, `aud`, `issJwksUrl`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.errors import ConfigError, ConfigErrors
from gateway.signals_settings import SignalsSettings, StreamSettings

PREFIX = "GATEWAY_SIGNALS_"
# Variable suffix → (i2scim name, where it goes in the signals section).
VARIABLES: dict[str, tuple[str, str]] = {
    "ENABLE": ("scim.signals.enable", "enabled"),
    "PUB_ENABLE": ("scim.signals.pub.enable", "publish"),
    "RCV_ENABLE": ("scim.signals.rcv.enable", "receiver.enabled"),
    "PUB_ISS": ("scim.signals.pub.iss", "issuer"),
    "PUB_AUD": ("scim.signals.pub.aud", "env-push aud (comma-separated)"),
    "RCV_ISS": ("scim.signals.rcv.iss", "receiver.issuers[0].iss"),
    "RCV_AUD": ("scim.signals.rcv.aud", "receiver.audience (comma-separated)"),
    "PUB_CONFIG_FILE": ("scim.signals.pub.config.file", "streamFiles"),
    "RCV_CONFIG_FILE": ("scim.signals.rcv.config.file", "receiver.poll (a stream file)"),
    "PUB_PUSH_ENDPOINT": ("scim.signals.pub.push.endpoint", "env-push endpoint"),
    "PUB_PUSH_AUTH": ("scim.signals.pub.push.auth", "env-push token"),
    "RCV_POLL_ENDPOINT": ("scim.signals.rcv.poll.endpoint", "receiver.poll[0].endpoint"),
    "RCV_POLL_AUTH": ("scim.signals.rcv.poll.auth", "receiver.poll[0].auth"),
    "PUB_PEM_PATH": ("scim.signals.pub.pem.path", "pemPath"),
    "PUB_PEM_VALUE": ("scim.signals.pub.pem.value", "pemValue"),
    "PUB_ALGNONE_OVERRIDE": ("scim.signals.pub.algNone.override", "algNoneOverride (refused)"),
    "PUB_AUD_JWKSURL": ("scim.signals.pub.aud.jwksurl", "env-push audJwksUrl"),
    "PUB_AUD_JWKSJSON": ("scim.signals.pub.aud.jwksjson", "env-push audJwks"),
    "RCV_ISS_JWKSURL": ("scim.signals.rcv.iss.jwksUrl", "receiver.issuers[0].jwksUrl"),
    "RCV_ISS_JWKSJSON": ("scim.signals.rcv.iss.jwksJson", "receiver.issuers[0].jwks"),
    "RCV_PEM_PATH": ("scim.signals.rcv.pem.path", "receiver.pemPath"),
    "RCV_PEM_VALUE": ("scim.signals.rcv.pem.value", "receiver.pemValue"),
}
_FLAGS = {"ENABLE": "enabled", "PUB_ENABLE": "publish", "PUB_ALGNONE_OVERRIDE": "algNoneOverride"}
_PLAIN = {"PUB_ISS": "issuer", "PUB_PEM_PATH": "pemPath", "PUB_PEM_VALUE": "pemValue"}


def with_environment(config: SignalsSettings, env: Mapping[str, str]) -> SignalsSettings:
    """The signals section with the `GATEWAY_SIGNALS_*` variables applied; ConfigErrors on bad values."""
    given = {k[len(PREFIX) :]: v for k, v in env.items() if k.startswith(PREFIX)}
    unknown = sorted(set(given) - set(VARIABLES))
    if unknown:
        raise ConfigErrors([ConfigError(PREFIX + name, "unknown variable") for name in unknown])
    data = config.model_dump(exclude_unset=True)
    data.update({field: _flag(PREFIX + k, given[k]) for k, field in _FLAGS.items() if k in given})
    data.update({field: given[k] for k, field in _PLAIN.items() if k in given})
    _receiver(data.setdefault("receiver", {}), given)
    if "PUB_PUSH_ENDPOINT" in given:
        data.setdefault("streams", []).append(_env_stream(given))
    if "PUB_CONFIG_FILE" in given:
        data.setdefault("streamFiles", []).append(given["PUB_CONFIG_FILE"])
    return _validated(data, "environment (GATEWAY_SIGNALS_*)")


def _receiver(receiver: dict[str, Any], given: Mapping[str, str]) -> None:
    if "RCV_ENABLE" in given:
        receiver["enabled"] = _flag(PREFIX + "RCV_ENABLE", given["RCV_ENABLE"])
    if "RCV_AUD" in given:
        receiver["audience"] = _split(given["RCV_AUD"])
    for name, field in (("RCV_PEM_PATH", "pemPath"), ("RCV_PEM_VALUE", "pemValue")):
        if name in given:
            receiver[field] = given[name]
    if "RCV_ISS" in given:
        trusted: dict[str, Any] = {"iss": given["RCV_ISS"]}
        if "RCV_ISS_JWKSURL" in given:
            trusted["jwksUrl"] = given["RCV_ISS_JWKSURL"]
        if "RCV_ISS_JWKSJSON" in given:
            trusted["jwks"] = _json(PREFIX + "RCV_ISS_JWKSJSON", given["RCV_ISS_JWKSJSON"])
        receiver.setdefault("issuers", []).append(trusted)
    if "RCV_POLL_ENDPOINT" in given:
        source = {"endpoint": given["RCV_POLL_ENDPOINT"], "auth": given.get("RCV_POLL_AUTH")}
        receiver.setdefault("poll", []).append(source)
    if "RCV_CONFIG_FILE" in given:
        stream = load_stream_file(given["RCV_CONFIG_FILE"])
        receiver.setdefault("poll", []).append({"endpoint": stream.endpoint, "auth": stream.token})


def _env_stream(given: Mapping[str, str]) -> dict[str, Any]:
    stream: dict[str, Any] = {"id": "env-push", "alias": "env", "endpoint": given["PUB_PUSH_ENDPOINT"]}
    audience = _split(given.get("PUB_AUD", "example.com"))
    stream["aud"] = audience[0] if len(audience) == 1 else audience
    if "PUB_PUSH_AUTH" in given:
        stream["token"] = given["PUB_PUSH_AUTH"]
    if "PUB_AUD_JWKSURL" in given:
        stream["audJwksUrl"] = given["PUB_AUD_JWKSURL"]
    if "PUB_AUD_JWKSJSON" in given:
        stream["audJwks"] = _json(PREFIX + "PUB_AUD_JWKSJSON", given["PUB_AUD_JWKSJSON"])
    return stream


def load_stream_file(path: str) -> StreamSettings:
    """One stream from an i2scim stream file; ConfigErrors naming the file and member."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigErrors([ConfigError("$", f"cannot read the stream file: {exc}", path)]) from None
    if isinstance(doc, dict) and not doc.get("issJwksUrl"):
        doc.pop("issJwksUrl", None)
    try:
        return StreamSettings.model_validate(doc)
    except ValidationError as exc:
        errors = [ConfigError("$." + ".".join(map(str, e["loc"])), e["msg"], path) for e in exc.errors()]
        raise ConfigErrors(errors) from None


def _validated(data: dict[str, Any], source: str) -> SignalsSettings:
    try:
        return SignalsSettings.model_validate(data)
    except ValidationError as exc:
        errors = [ConfigError("$.signals." + ".".join(map(str, e["loc"])), e["msg"], source) for e in exc.errors()]
        raise ConfigErrors(errors) from None


def _flag(name: str, value: str) -> bool:
    if value.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigErrors([ConfigError(name, f"{value!r} is not true or false")])
    return value.strip().lower() in ("true", "1", "yes")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _json(name: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise ConfigErrors([ConfigError(name, "is not JSON")]) from None
