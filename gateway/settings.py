"""Global configuration (gateway.yaml): listeners, routes folder, stores, the global heap.

Every setting has a default that works on one machine, so the gateway starts with no file at all.
`${VAR}` and `${VAR:-default}` in string values come from the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from gateway.errors import ConfigError, ConfigErrors
from gateway.http.forwarding import Network, is_trusted, parse_networks
from gateway.http.tls import ServerTls, TlsFileError
from gateway.sessions.settings import AuthSettings, SessionSettings
from gateway.signals_settings import SignalsSettings
from gateway.validation import ConfigModel, validation_errors

_ENV = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}")
# Where a flag's value came from, in error messages about command-line overrides.
COMMAND_LINE = "command line"


def split_hostport(value: str, default_host: str = "0.0.0.0") -> tuple[str, int]:
    """'HOST:PORT', ':PORT' or 'PORT' → (host, port); raises ValueError."""
    host, _, port = value.rpartition(":")
    number = int(port)
    if not 0 <= number <= 65535:
        raise ValueError(f"port {number} is out of range")
    return (host.strip("[]") or default_host), number


def _hostport(value: str) -> str:
    try:
        split_hostport(value)
    except ValueError:
        raise ValueError(f"{value!r} is not HOST:PORT (e.g. 127.0.0.1:8080)") from None
    return value


def is_loopback(listen: str) -> bool:
    """Whether a HOST:PORT listens on loopback only."""
    host = split_hostport(listen, "127.0.0.1")[0]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


HostPort = Annotated[str, AfterValidator(_hostport)]


# What a route file that fails to load does to traffic (`routing.onBrokenRoute`).
FAIL_CLOSED: Final = "failClosed"
SKIP: Final = "skip"


class RoutingSettings(ConfigModel):
    """How broken route files are treated at start-up, on reload and by readiness."""

    onBrokenRoute: Literal["failClosed", "skip"] = Field(
        FAIL_CLOSED,
        description=(
            "failClosed: a file whose condition is unknown (bad JSON, a condition that does not compile) "
            "answers 503 to every request reaching its position; skip: leave it out, so that its traffic "
            "goes to later routes (logged as a warning)."
        ),
    )
    strict: bool = Field(False, description="Refuse to start while any route file fails (also `serve --strict`).")
    baseURI: str | None = Field(
        None, description="The baseURI of routes that give none, as the Router's baseURI in OpenIG's config.json."
    )
    readyWhileBroken: bool = Field(
        True, description="/ready stays 200 while some route files fail (they are listed in its body)."
    )


class AdminSettings(ConfigModel):
    """The admin listener: health, readiness, metrics, admin API, studio."""

    listen: HostPort = Field("127.0.0.1:8081", description="HOST:PORT of the admin listener; keep it on loopback.")


class StudioSettings(ConfigModel):
    """The studio at /studio/ on the admin listener, and the admin API calls that change routes."""

    enabled: bool = Field(False, description="Serve the studio; off in production, where routes come from CI.")
    token: str | None = Field(
        None,
        min_length=16,
        description="Bearer token the studio's API requires; needed when the admin listener is not on loopback.",
    )


class CaptureSettings(ConfigModel):
    """Where capture logs go."""

    dir: str = Field("capture", description="Folder for capture logs, relative to the working directory.")
    maxFileSize: int = Field(10 * 1024 * 1024, gt=0, description="Rotate a capture file past this many bytes.")
    backups: int = Field(5, ge=0, description="Rotated capture files kept per route.")


class UpstreamSettings(ConfigModel):
    """The shared upstream connection pool."""

    connections: int = Field(1000, ge=0, description="Open connections at most across upstreams (0 = no limit).")
    keepalive: float = Field(60.0, gt=0, description="Seconds an idle upstream connection is kept.")


class LimitsSettings(ConfigModel):
    """What a client connection may hold on the main listener."""

    keepAliveTimeout: float = Field(
        30.0, gt=0, description="Seconds an idle kept-alive client connection stays open between requests."
    )
    headerTimeout: float = Field(
        10.0, gt=0, description="Seconds a client has to send a whole request head, from its first byte (then 408)."
    )
    maxConnectionsPerAddress: int = Field(
        256, ge=0, description="Open connections one client address may hold per worker (0 = no cap); more get 503."
    )


class SupervisorSettings(ConfigModel):
    """How `serve --workers N` keeps its workers alive (see gateway/supervisor.py)."""

    crashLoopDeaths: int = Field(5, ge=1, description="Worker deaths within crashLoopWindow that stop the service.")
    crashLoopWindow: float = Field(60.0, gt=0, description="Seconds over which worker deaths are counted.")
    maxBackoff: float = Field(
        5.0, ge=0, description="Longest wait before respawning (the first death respawns at once, then 0.5 s doubling)."
    )
    readyTimeout: float = Field(60.0, gt=0, description="Seconds new workers get to be ready on SIGHUP.")


class TlsSettings(ConfigModel):
    """TLS on the main listener: https, optionally with client certificates (mTLS)."""

    certificate: str = Field(description="PEM file of the certificate chain (leaf first); may hold the key too.")
    key: str | None = Field(None, description="PEM file of the private key, if not in `certificate`.")
    clientCa: str | None = Field(None, description="PEM file of the CAs whose client certificates are accepted.")
    clientCertificates: Literal["none", "optional", "required"] | None = Field(
        None,
        description="Whether a client certificate is asked for (optional) or needed to connect (required, "
        "the default with clientCa).",
    )
    hsts: str | None = Field(
        None, description='Strict-Transport-Security on every response, e.g. "max-age=63072000; includeSubDomains".'
    )
    reloadInterval: float = Field(2.0, gt=0, description="Seconds between checks of the certificate files.")

    @model_validator(mode="after")
    def _client_ca_given(self) -> TlsSettings:
        if self.clientCertificates in ("optional", "required") and self.clientCa is None:
            raise ValueError("clientCertificates needs clientCa, the CAs to check them against")
        return self

    def server(self) -> ServerTls:
        """Where the files are, for the listener."""
        auth = (self.clientCertificates or "required") if self.clientCa else "none"
        return ServerTls(self.certificate, self.key, self.clientCa, auth)

    def errors(self, source: str | None) -> list[ConfigError]:
        """The files that do not load, as the listener would find them at start."""
        try:
            self.server().context()
        except TlsFileError as exc:
            return [ConfigError(f"$.tls.{exc.option}", str(exc), source)]
        return []


class Settings(ConfigModel):
    """Everything global; routes live in their own files."""

    listen: HostPort = Field("0.0.0.0:8080", description="HOST:PORT of the main listener.")
    admin: AdminSettings = Field(default_factory=AdminSettings)
    routes: str = Field("routes", description="Folder of route files, tried in file-name order.")
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    workers: int = Field(1, ge=1, description="Worker processes sharing the listening sockets.")
    supervisor: SupervisorSettings = Field(default_factory=SupervisorSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    tls: TlsSettings | None = Field(None, description="Serve https on the main listener.")
    trustedProxies: list[str] = Field(
        default_factory=list, description="CIDRs whose X-Forwarded-* headers are trusted."
    )
    store: dict[str, Any] = Field(
        default_factory=dict,
        description="Shared state: {embedded: {path}}, {redis: {url}} or {redis: {sentinel: {service, addresses}}}.",
    )
    capture: CaptureSettings = Field(default_factory=CaptureSettings)
    studio: StudioSettings = Field(default_factory=StudioSettings)
    upstream: UpstreamSettings = Field(default_factory=UpstreamSettings)
    heap: list[Any] = Field(default_factory=list, description="Global heap objects routes refer to by name.")
    state: str = Field("state", description="Folder for the embedded store and other local state.")
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    signals: SignalsSettings = Field(default_factory=SignalsSettings)
    logFormat: str = Field("auto", pattern="^(auto|json|text)$", description="Log lines as json, text, or auto.")

    _networks: tuple[Network, ...] = ()
    _source: str | None = None

    @field_validator("trustedProxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                parse_networks([item])
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an address or CIDR: {exc}") from None
        return value

    @model_validator(mode="after")
    def _studio_exposed(self) -> Settings:
        if self.studio.enabled and self.studio.token is None and not is_loopback(self.admin.listen):
            raise ValueError(
                "studio: the admin listener is not on loopback, so the studio needs a token "
                "(studio: {token: ${STUDIO_TOKEN}}) or the admin listener on 127.0.0.1"
            )
        return self

    def model_post_init(self, context: Any) -> None:
        """Parse the trusted networks once."""
        self._networks = parse_networks(self.trustedProxies)

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        """The trusted proxies, parsed once."""
        return self._networks

    def is_trusted_proxy(self, address: str | None) -> bool:
        """Whether a peer's X-Forwarded-* headers are believed."""
        return is_trusted(address, self._networks)

    @property
    def source(self) -> str | None:
        """The config file this came from."""
        return self._source


def expand_env(value: Any, env: Any = None, path: str = "$", unset: list[ConfigError] | None = None) -> Any:
    """Replace `${VAR}` and `${VAR:-default}` in every string of a parsed document.

    A variable that is not set and has no default is left as written and recorded in `unset`."""
    env = os.environ if env is None else env
    if isinstance(value, str):
        return _ENV.sub(lambda m: _variable(m, env, path, unset), value)
    if isinstance(value, list):
        return [expand_env(v, env, f"{path}[{i}]", unset) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: expand_env(v, env, f"{path}.{k}", unset) for k, v in value.items()}
    return value


def _variable(match: re.Match[str], env: Any, path: str, unset: list[ConfigError] | None) -> str:
    name, default = match.group(1), match.group(2)
    if name in env:
        return str(env[name])
    if default is not None:
        return default
    if unset is not None:
        message = f"environment variable {name} is not set (write ${{{name}:-default}} to give a default)"
        unset.append(ConfigError(path, message))
    return match.group(0)


def _read(path: Path) -> dict[str, Any]:
    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise ConfigErrors([ConfigError("$", f"invalid YAML{where}: {exc.problem}", file)]) from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigErrors([ConfigError("$", f"cannot read the config: {exc}", file)]) from exc
    if not isinstance(data, dict):
        raise ConfigErrors([ConfigError("$", "the config must be a mapping of settings", file)])
    return data


def load_settings(path: Path | None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read the config file (or none) and apply command-line overrides; raises ConfigErrors on problems."""
    file = str(path) if path else None
    unset: list[ConfigError] = []
    data = expand_env(_read(path), path="$", unset=unset) if path is not None else {}
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    for key, value in given.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    errors = [ConfigError(e.path, e.message, file) for e in unset]
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        for where, message in validation_errors(exc, Settings, "$"):
            flagged = any(where == f"$.{key}" or where.startswith(f"$.{key}.") for key in given)
            errors.append(ConfigError(where, message, COMMAND_LINE if flagged else file))
    if errors:
        raise ConfigErrors(errors)
    settings._source = file
    return settings
