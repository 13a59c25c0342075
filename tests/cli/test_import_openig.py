"""`gateway import-openig` turns an OpenIG config.json (Router and global heap) into a gateway.yaml that
serves the routes folder it names, saying what it could not carry over."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import yaml

from gateway.settings import load_settings
from tests.cli.run import gateway
from tests.support.gateway import running_gateway
from tests.support.upstream import Upstream

CONFIG = """{
  // The global configuration of an OpenIG installation.
  "heap": [
    {"name": "ClientHandler", "type": "ClientHandler"},
    {"name": "TagAll", "type": "HeaderFilter",
     "config": {"messageType": "REQUEST", "add": {"X-Global": ["from-config-json"]}}},
    {"name": "_router", "type": "Router",
     "config": {"directory": "config/routes", "scanInterval": "2 seconds", "baseURI": "%s"}}
  ],
  "handler": "_router",
  "temporaryStorage": "TemporaryStorage"
}
"""


def _installation(tmp_path: Path, upstream_url: str) -> Path:
    routes = tmp_path / "config" / "routes"
    routes.mkdir(parents=True)
    chain = {"type": "Chain", "config": {"filters": ["TagAll"], "handler": "ClientHandler"}}
    (routes / "10-app.json").write_text(json.dumps({"handler": chain}), encoding="utf-8")
    config = tmp_path / "config.json"
    config.write_text(CONFIG % upstream_url, encoding="utf-8")
    return config


async def test_the_written_gateway_yaml_serves_the_routes_folder(
    tmp_path: Path, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    config = _installation(tmp_path, upstream.url)
    output = tmp_path / "gateway.yaml"
    done = gateway("import-openig", str(config), "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert "scanInterval: not needed" in done.stdout
    assert "$.temporaryStorage: not carried over" in done.stdout
    settings = load_settings(output)
    assert Path(settings.routes) == (tmp_path / "config" / "routes").resolve()
    written = yaml.safe_load(output.read_text(encoding="utf-8"))
    serve_with = {k: v for k, v in written.items() if k != "routes"}
    async with running_gateway(Path(settings.routes), **serve_with) as running:
        response = await http.get(f"{running.url}/hello")
        body = await response.json()
    assert body["raw_path"] == "/hello"
    assert ["X-Global", "from-config-json"] in body["headers"]


def test_a_config_without_a_router_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"handler": {"type": "StaticResponseHandler"}}', encoding="utf-8")
    done = gateway("import-openig", str(config), "-o", str(tmp_path / "gateway.yaml"))
    assert done.returncode == 1
    assert "no Router found" in done.stderr
    assert not (tmp_path / "gateway.yaml").exists()
