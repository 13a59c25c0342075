"""The lock files pin every dependency that pyproject.toml declares, inside its range."""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / f"{lock}.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_canonical(name)] = version.split(";")[0].strip()
    return pins


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    if extra:
        declared += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return [r for r in declared if r.marker is None or r.marker.evaluate()]


@pytest.mark.parametrize(("lock", "extra"), [("runtime", None), ("test", "test")])
def test_lock_pins_every_declared_dependency_within_its_range(lock: str, extra: str | None) -> None:
    pins = _pins(lock)
    for requirement in _declared(extra):
        name = _canonical(requirement.name)
        assert name in pins, f"requirements/{lock}.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock}.txt pins {name}=={pins[name]}, outside {requirement}"
        )
