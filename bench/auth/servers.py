"""The servers of the authentication benchmark, each in the foreground from a config generated into
its own folder (own pid file, logs and runtime files, loopback ports), never touching the system's:

- nginx serving the same 1 KiB file at every path the locations forward to;
- Apache 2.4 (event MPM, 2 processes) with mod_auth_openidc: `AuthType oauth20` checking JWT access
  tokens against the provider's JWKS under /bearer/, `AuthType openid-connect` sessions under
  /cookie/, both reverse-proxying to nginx, and /plain/ proxied without authentication;
- the gateway (`python -m gateway serve`, 2 workers) with a BearerTokenFilter route, an
  OidcLoginFilter route and a plain route to the same nginx.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import pwd
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from environment import REPO, python_for_servers
from procs import Service, free_port

BODY = (b"bench body: one kibibyte of text.\n" * 32)[:1023] + b"\n"
FILE = "1k"
PREFIXES = ("plain", "bearer", "cookie")
MODULES = Path("/usr/lib/apache2/modules")
API = "urn:gateway:api"
CLIENT_ID, CLIENT_SECRET = "gateway-web", "gateway-web-secret"

_NGINX = """\
daemon off;
master_process on;
worker_processes {workers};
{user}pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type text/plain;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
{extra}    }}
}}
"""

_TLS_PROXY = """\
daemon off;
master_process off;
{user}pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{ proxy_pass {target}; }}
    }}
}}
"""

_APACHE = """\
ServerRoot "{dir}"
DefaultRuntimeDir "{dir}"
PidFile "{dir}/apache2.pid"
ErrorLog "{dir}/error.log"
LogLevel warn
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
{modules}
{user}
# Two processes, like the gateway's two workers, with threads to spare at 128 kept-alive connections.
StartServers 2
ServerLimit 2
ThreadLimit 100
ThreadsPerChild 100
MinSpareThreads 25
MaxSpareThreads 200
MaxRequestWorkers 200
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 75

OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID {client_id}
OIDCClientSecret {client_secret}
OIDCRedirectURI http://127.0.0.1:{port}/cookie/redirect_uri
OIDCCryptoPassphrase {passphrase}
OIDCScope "openid email profile"
OIDCPKCEMethod S256
OIDCSessionInactivityTimeout 3600
# mod_auth_openidc takes the JWKS from https URLs only: a TLS proxy to the provider's jwks_uri
# with a throwaway self-signed certificate serves it.
OIDCOAuthVerifyJwksUri {jwks_uri}
OIDCOAuthSSLValidateServer Off
OIDCOAuthRemoteUserClaim sub
# Configured like the gateway's routes: the upstream gets the user's subject as X-User and no other
# identity header, and a bearer token must carry the API's audience as well as its scope.
OIDCPassClaimsAs none
OIDCPassIDTokenAs claims
OIDCPassUserInfoAs claims
# Room for every session of the distinct form (the default keeps 500 and would evict the rest).
OIDCCacheShmMax 4000

<Location /bearer/>
    AuthType oauth20
    <RequireAll>
        Require claim scope:api:read
        Require claim aud:{audience}
    </RequireAll>
    RequestHeader set X-User "expr=%{{REMOTE_USER}}"
</Location>
<Location /cookie/>
    AuthType openid-connect
    Require valid-user
    RequestHeader set X-User "expr=%{{REMOTE_USER}}"
</Location>
ProxyPass /cookie/redirect_uri !
ProxyPass /plain/ http://127.0.0.1:{upstream}/plain/
ProxyPass /bearer/ http://127.0.0.1:{upstream}/bearer/
ProxyPass /cookie/ http://127.0.0.1:{upstream}/cookie/
"""

_APACHE_MODULES = (
    ("mpm_event_module", "mod_mpm_event.so"),
    ("authn_core_module", "mod_authn_core.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("authz_user_module", "mod_authz_user.so"),
    ("headers_module", "mod_headers.so"),
    ("proxy_module", "mod_proxy.so"),
    ("proxy_http_module", "mod_proxy_http.so"),
    ("auth_openidc_module", "mod_auth_openidc.so"),
)


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise SystemExit(f"{name} is not installed: run bench/auth/run.sh, which installs it")
    return found


def start_upstream(folder: Path, port: int, workers: int, echo_authorization: bool = False) -> Service:
    """nginx serving BODY at /bearer/1k, /cookie/1k and /1k (with `echo_authorization`, the request's
    Authorization header comes back as X-Upstream-Authorization: a client sees a refreshed token)."""
    for prefix in ("", *PREFIXES):
        target = folder / "www" / prefix / FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(BODY)
    conf = folder / "nginx.conf"
    extra = "        add_header X-Upstream-Authorization $http_authorization;\n" if echo_authorization else ""
    conf.write_text(_NGINX.format(workers=workers, user=_nginx_user(), dir=folder, port=port, extra=extra))
    argv = [_binary("nginx"), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    return Service("nginx upstream", argv, folder, folder / "stdout.log")


def start_tls_proxy(folder: Path, port: int, target: str) -> Service:
    """nginx terminating TLS (self-signed for 127.0.0.1) in front of `target`."""
    folder.mkdir(parents=True, exist_ok=True)
    _self_signed(folder / "cert.pem", folder / "key.pem")
    conf = folder / "nginx.conf"
    conf.write_text(_TLS_PROXY.format(user=_nginx_user(), dir=folder, port=port, target=target))
    argv = [_binary("nginx"), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    return Service("nginx TLS proxy", argv, folder, folder / "stdout.log")


def _self_signed(cert_path: Path, key_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _nginx_user() -> str:
    # As root, nginx workers would switch to `nobody`, who cannot read a private temp folder.
    return f"user {pwd.getpwuid(os.getuid()).pw_name};\n" if os.geteuid() == 0 else ""


def start_apache(folder: Path, port: int, upstream: int, issuer: str, jwks_uri: str) -> Service:
    """Apache with mod_auth_openidc in the foreground."""
    folder.mkdir(parents=True, exist_ok=True)
    # As root, Apache's children run as www-data, who must reach the runtime files here.
    folder.chmod(0o755)
    values = {
        "dir": folder, "port": port, "upstream": upstream, "issuer": issuer, "jwks_uri": jwks_uri, "audience": API,
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "passphrase": secrets.token_urlsafe(24),
        "modules": "\n".join(f"LoadModule {name} {MODULES / so}" for name, so in _APACHE_MODULES),
        "user": "User www-data\nGroup www-data" if os.geteuid() == 0 else "",
    }  # fmt: skip
    conf = folder / "apache2.conf"
    conf.write_text(_APACHE.format(**values))
    argv = [_binary("apache2"), "-f", str(conf), "-DFOREGROUND"]
    return Service("apache2 + mod_auth_openidc", argv, folder, folder / "stdout.log")


def _route(prefix: str, chain: list[dict[str, Any]], upstream: int) -> dict[str, Any]:
    return {
        "name": prefix,
        "condition": f"${{startsWith(request.uri.path, '/{prefix}/')}}",
        "baseURI": f"http://127.0.0.1:{upstream}",
        "handler": {"type": "Chain", "config": {"filters": chain, "handler": "ClientHandler"}},
    }


def start_gateway(
    folder: Path,
    port: int,
    upstream: int,
    issuer: str,
    workers: int,
    *,
    admin: int | None = None,
    settings: Mapping[str, Any] | None = None,
    cookie: Mapping[str, Any] | None = None,
) -> Service:
    """The gateway with a plain route, a bearer route and a browser-session route, all to nginx
    (`settings` added to gateway.yaml, `cookie` to the OidcLoginFilter's config)."""
    routes = folder / "routes"
    routes.mkdir(parents=True)
    headers = {"X-User": "${identity.sub}"}
    bearer = {"provider": "idp", "audience": API, "scopes": ["api:read"]}
    filters: dict[str, list[dict[str, Any]]] = {
        "plain": [],
        "bearer": [{"type": "BearerTokenFilter", "config": bearer}],
        "cookie": [{"type": "OidcLoginFilter", "config": {"providers": ["idp"], **(cookie or {})}}],
    }
    for prefix, chain in filters.items():
        for inline in chain:
            inline["config"]["identityHeaders"] = headers
        (routes / f"{prefix}.json").write_text(json.dumps(_route(prefix, chain, upstream), indent=2))
    provider = {"issuer": issuer, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    config = {
        "state": str(folder / "state"),
        "logFormat": "json",
        "heap": [{"name": "idp", "type": "OidcProvider", "config": provider}],
        **(settings or {}),
    }
    (folder / "gateway.yaml").write_text(json.dumps(config))
    argv = [python_for_servers(), "-m", "gateway", "serve", "--config", str(folder / "gateway.yaml")]
    argv += ["--routes", str(routes)]
    argv += ["--listen", f"127.0.0.1:{port}", "--admin", f"127.0.0.1:{admin or free_port()}", "--workers", str(workers)]
    return Service(f"gateway ({workers} workers)", argv, REPO, folder / "gateway.log")
