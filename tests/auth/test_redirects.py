"""Return targets after login and logout: same-origin paths only, at every decoding depth."""

from __future__ import annotations

import pytest

from gateway.auth.redirects import is_same_origin_path, safe_return_path

ACCEPTED = [
    "/",
    "/app",
    "/app/page?x=1&y=%2F%2Fevil",
    "/search?q=a%20b",
    "/a/b/c#frag",
    "/caf%C3%A9",
]

REFUSED = [
    "",
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/app",
    "javascript:alert(1)",
    "evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2Fevil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/ /evil.example",
    "/\r\nSet-Cookie:x=1",
    "/%0d%0aSet-Cookie:x=1",
    "/" + "a" * 5000,
]


@pytest.mark.parametrize("target", ACCEPTED)
def test_same_origin_paths_are_kept(target: str) -> None:
    assert is_same_origin_path(target)
    assert safe_return_path(target) == target


@pytest.mark.parametrize("target", REFUSED)
def test_other_origins_and_encoded_variants_fall_back_to_root(target: str) -> None:
    assert not is_same_origin_path(target)
    assert safe_return_path(target) == "/"


def test_a_missing_target_falls_back_to_root() -> None:
    assert safe_return_path(None) == "/"
