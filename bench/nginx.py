"""nginx as the upstream (a static 1 KB file) and as the reference reverse proxy.

Each instance runs in the foreground (`daemon off`) from a config generated into its own folder, with
its own pid, log and temp paths, so it never touches the system's nginx."""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from procs import Service

BODY_PATH = "/1k"

_MAIN = """\
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
    # wrk keeps its connections for the whole run, as the Python servers allow.
    keepalive_requests 100000000;
    keepalive_timeout 75s;
{server}
}}
"""

_STATIC = """\
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        location = {path} {{ }}
    }}"""

_PROXY = """\
    upstream backend {{
        server 127.0.0.1:{upstream};
        keepalive 512;
        keepalive_requests 100000000;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}"""


def nginx_binary() -> str:
    """The nginx executable (Debian installs it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise SystemExit("nginx is not installed: run bench/run.sh, which installs it")
    return found


def _user_line() -> str:
    # As root, nginx workers would switch to `nobody`, who cannot read a private temp folder.
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.getuid()).pw_name};\n"


def _start(name: str, folder: Path, workers: int, server: str) -> Service:
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(_MAIN.format(workers=workers, user=_user_line(), dir=folder, server=server))
    argv = [nginx_binary(), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    return Service(name, argv, folder, folder / "stdout.log")


def start_static(folder: Path, port: int, workers: int, body: bytes) -> Service:
    """nginx serving `body` at BODY_PATH."""
    www = folder / "www"
    www.mkdir(parents=True)
    (www / BODY_PATH.lstrip("/")).write_bytes(body)
    server = _STATIC.format(port=port, dir=folder, path=BODY_PATH)
    return _start("nginx upstream", folder, workers, server)


def start_proxy(folder: Path, port: int, workers: int, upstream: int) -> Service:
    """nginx proxying everything to the upstream over kept-alive connections."""
    return _start("nginx proxy", folder, workers, _PROXY.format(port=port, upstream=upstream))
