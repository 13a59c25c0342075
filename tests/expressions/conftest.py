"""Fixtures for the expression tests."""

from __future__ import annotations

from typing import Any

import pytest

from .scope_data import request_scope


@pytest.fixture
def scope() -> dict[str, Any]:
    return request_scope()
