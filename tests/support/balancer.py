"""nginx (Debian's package) as a round-robin balancer in front of several gateway instances.

No stickiness, and no retry on another instance (`proxy_next_upstream off`), so that each request
is answered by the one instance nginx picked; `X-Served-By` on every response names it."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tests.support.process import answers, free_port, stop_process

SERVED_BY = "X-Served-By"
_CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
{user}pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream gateways {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://gateways;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream off;
            add_header {served_by} $upstream_addr always;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """The nginx executable, or a RuntimeError that says how to install it."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError("nginx is not installed; install it with `apt-get install nginx`")
    return found


class Balancer:
    """nginx on a loopback port, spreading requests over `backends` (ports) in turn."""

    def __init__(self, folder: Path, backends: Sequence[int], port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.backends = list(backends)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL clients use."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> Balancer:
        """Start nginx and wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # As root, nginx workers would switch to `nobody`, who cannot read a private temp folder.
        user = f"user {pwd.getpwuid(os.getuid()).pw_name};\n" if os.geteuid() == 0 else ""
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in self.backends)
        config = self.folder / "nginx.conf"
        text = _CONFIG.format(user=user, dir=self.folder, servers=servers, port=self.port, served_by=SERVED_BY)
        config.write_text(text)
        argv = [nginx_binary(), "-p", str(self.folder), "-c", str(config), "-e", str(self.folder / "error.log")]
        with (self.folder / "stdout.log").open("ab") as out:
            self._process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        self._wait(timeout)
        return self

    def _wait(self, timeout: float) -> None:
        assert self._process is not None
        # Any answer will do: nginx passes on whatever the gateway said.
        if answers(self._process, self.url + "/", timeout, any_status=True):
            return
        log = self.folder / "error.log"
        raise RuntimeError(f"nginx did not start:\n{log.read_text()[-2000:] if log.exists() else ''}")

    def stop(self) -> None:
        """Stop nginx."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            stop_process(process, 5)

    def __enter__(self) -> Balancer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
