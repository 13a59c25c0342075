"""The deployment examples: compose.yaml (nginx, three gateways, Redis) and deploy/k8s (validated
against Kubernetes' published schemas, shipped in the kubernetes-validate package), each carrying a
gateway.yaml and route files that the gateway itself accepts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from gateway.lint import check
from gateway.settings import load_settings
from tests.support.balancer import nginx_binary

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
GATEWAYS = ["gateway-1", "gateway-2", "gateway-3"]
KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests promise to work on
ENV = {"SESSION_SECRET": "s" * 32, "REDIS_URL": "redis://redis:6379/0"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    """Every Kubernetes object in deploy/k8s by (kind, name)."""
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] != "Kustomization":
                found[doc["kind"], doc["metadata"]["name"]] = doc
    return found


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path of a compose service's bind mounts."""
    return {target: source for source, target, *_ in (v.split(":") for v in service.get("volumes", []))}


def test_compose_runs_nginx_three_gateways_and_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"redis", "nginx", *GATEWAYS}
    for name in GATEWAYS:
        gateway = services[name]
        assert gateway["build"] == "." and gateway["depends_on"]["redis"]["condition"] == "service_healthy"
        mounts = _mounts(gateway)
        assert set(mounts) == {"/routes", "/config/gateway.yaml"}
        assert all((ROOT / source).exists() for source in mounts.values())
        assert {"SESSION_SECRET", "REDIS_URL"} <= set(gateway["environment"])
    nginx = services["nginx"]
    assert set(nginx["depends_on"]) == set(GATEWAYS) and nginx["ports"]
    assert (ROOT / _mounts(nginx)["/etc/nginx/nginx.conf"]).is_file()


def test_the_compose_balancer_spreads_over_the_three_gateways(compose: dict[str, Any], tmp_path: Path) -> None:
    conf = (ROOT / _mounts(compose["services"]["nginx"])["/etc/nginx/nginx.conf"]).read_text()
    servers = re.findall(r"^\s*server\s+([\w.-]+):8080;", conf, re.MULTILINE)
    assert servers == GATEWAYS
    assert "ip_hash" not in conf and "sticky" not in conf  # any instance serves any session
    # nginx checks the file itself, with the compose host names pointed at loopback.
    local = re.sub(r"gateway-\d", "127.0.0.1", conf).replace("listen 80;", "listen 127.0.0.1:8080;")
    (tmp_path / "nginx.conf").write_text(local)
    argv = [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "/dev/stderr"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_compose_gateway_config_shares_redis_and_the_session_key(compose: dict[str, Any], env: None) -> None:
    source = _mounts(compose["services"]["gateway-1"])["/config/gateway.yaml"]
    settings = load_settings(ROOT / source)
    assert settings.store == {"redis": {"url": ENV["REDIS_URL"]}}
    assert settings.sessions.secret == ENV["SESSION_SECRET"]
    assert settings.admin.listen.startswith("127.0.0.1:")  # the image's HEALTHCHECK asks there


def test_the_kubernetes_manifests_match_the_published_schemas() -> None:
    files = sorted(K8S.glob("*.yaml"))
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in files if p.name != "kustomization.yaml")
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc["kind"] != "Kustomization":
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_a_broken_manifest_is_refused_by_the_schema_check() -> None:
    deployment = yaml.safe_load((K8S / "deployment.yaml").read_text())
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError, match="'three' is not of type"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def _container(manifests: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    [container] = manifests["Deployment", "gateway"]["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_the_probes_ask_the_admin_listener_for_readiness_and_health(
    manifests: dict[tuple[str, str], dict[str, Any]], tmp_path: Path, env: None
) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(manifests["ConfigMap", "gateway-config"]["data"]["gateway.yaml"])
    admin = load_settings(config).admin.listen
    container = _container(manifests)
    for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
        command = " ".join(container[probe]["exec"]["command"])
        assert f"http://{admin}{path}" in command, command


def test_the_service_reaches_the_pods_without_stickiness(manifests: dict[tuple[str, str], dict[str, Any]]) -> None:
    service, deployment = manifests["Service", "gateway"], manifests["Deployment", "gateway"]
    assert deployment["spec"]["replicas"] >= 2
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"].get("sessionAffinity", "None") == "None"
    ports = {port["name"]: port["containerPort"] for port in _container(manifests)["ports"]}
    assert [ports[p["targetPort"]] for p in service["spec"]["ports"]] == [8080]


def test_the_config_maps_hold_a_config_and_routes_the_gateway_accepts(
    manifests: dict[tuple[str, str], dict[str, Any]], tmp_path: Path, env: None
) -> None:
    volumes = manifests["Deployment", "gateway"]["spec"]["template"]["spec"]["volumes"]
    maps = {v["name"]: v["configMap"]["name"] for v in volumes if "configMap" in v}
    assert {("ConfigMap", name) for name in maps.values()} <= set(manifests)
    config = tmp_path / "gateway.yaml"
    config.write_text(manifests["ConfigMap", maps["config"]]["data"]["gateway.yaml"])
    routes = tmp_path / "routes"
    routes.mkdir()
    for filename, text in manifests["ConfigMap", maps["routes"]]["data"].items():
        (routes / filename).write_text(text)
    report = check([routes], config)
    assert report.errors == [] and len(list(routes.iterdir())) >= 1


def test_the_image_carries_the_studio_where_the_package_looks_for_it() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY studio ", dockerfile, re.MULTILINE)
    assert "from gateway.admin.studio import STATIC" in dockerfile
