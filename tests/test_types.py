"""Every registered heap type is documented, described field by field, and has a behaviour test."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from gateway.types import TYPES

TESTS = Path(__file__).resolve().parent
# Files that name every type without showing any behaviour.
NOT_BEHAVIOUR = {"test_types.py", "test_config_errors.py", "test_schema.py"}


def _behaviour_tests() -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8") for path in TESTS.rglob("test_*.py") if path.name not in NOT_BEHAVIOUR
    }


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_the_type_has_a_docstring(cls: type) -> None:
    assert (cls.__doc__ or "").strip(), f"{cls.__name__} has no docstring"


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_the_config_model_describes_every_field(cls: type) -> None:
    config = getattr(cls, "Config", None)
    assert isinstance(config, type) and issubclass(config, BaseModel), f"{cls.__name__}.Config is not a model"
    assert config.model_config.get("extra") == "forbid", f"{cls.__name__}.Config accepts unknown properties"
    undescribed = [name for name, field in config.model_fields.items() if not field.description]
    assert undescribed == [], f"{cls.__name__}.Config fields without description: {undescribed}"


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_the_type_builds_from_config(cls: type) -> None:
    assert callable(getattr(cls, "from_config", None)), f"{cls.__name__} has no from_config"


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_a_behaviour_test_uses_the_type(cls: type) -> None:
    users = [path.relative_to(TESTS) for path, text in _behaviour_tests().items() if cls.__name__ in text]
    assert users, f"no behaviour test mentions {cls.__name__}"


def test_type_names_are_unique() -> None:
    names = [cls.__name__ for cls in TYPES]
    assert len(names) == len(set(names))
