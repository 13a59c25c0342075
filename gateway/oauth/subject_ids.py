"""Subject Identifiers for Security Event Tokens (RFC 9493), as OpenID SSF 1.0 §3 uses them.

A subject identifier is a JSON object whose `format` names its members. This module builds the
ones the gateway sends (`iss_sub`, `email`, `opaque`, and SSF's `complex` of `user` + `session`)
and checks any received one: a known format with exactly its required string members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# RFC 9493 §3.2 and SSF §3.2: each format's required members (besides `format`).
FORMATS: dict[str, tuple[str, ...]] = {
    "account": ("uri",),
    "email": ("email",),
    "iss_sub": ("iss", "sub"),
    "opaque": ("id",),
    "phone_number": ("phone_number",),
    "did": ("url",),
    "uri": ("uri",),
}
# SSF §3.2: the members a complex subject may carry, each itself a simple subject identifier.
COMPLEX_MEMBERS = frozenset({"user", "device", "session", "application", "tenant", "org_unit", "group"})
# What the gateway's streams may send (`format` of the stream's `subjectFormat`).
SENT = ("complex", "iss_sub", "email")


class InvalidSubject(ValueError):
    """A subject identifier that is not one of RFC 9493's or SSF's formats, or lacks members."""


def iss_sub(iss: str, sub: str) -> dict[str, str]:
    """RFC 9493 §3.2.4: a subject by its issuer and the issuer's `sub`."""
    return {"format": "iss_sub", "iss": iss, "sub": sub}


def email(address: str) -> dict[str, str]:
    """RFC 9493 §3.2.2: a subject by email address."""
    return {"format": "email", "email": address}


def opaque(value: str) -> dict[str, str]:
    """RFC 9493 §3.2.3: an identifier only its issuer understands (here the IdP's session id)."""
    return {"format": "opaque", "id": value}


def complex_subject(user: Mapping[str, Any], session: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """SSF §3.2 complex subject: a user and, when known, one of their sessions."""
    subject: dict[str, Any] = {"format": "complex", "user": dict(user)}
    if session is not None:
        subject["session"] = dict(session)
    return subject


def validate(value: Any) -> dict[str, Any]:
    """The subject identifier, checked; raises InvalidSubject naming what is wrong."""
    if not isinstance(value, dict):
        raise InvalidSubject("sub_id must be a JSON object")
    if value.get("format") == "complex":
        members = {k: v for k, v in value.items() if k != "format"}
        unknown = sorted(set(members) - COMPLEX_MEMBERS)
        if unknown or not members:
            raise InvalidSubject(f"complex sub_id has unknown or no members: {unknown}")
        for name, member in members.items():
            _simple(member, f"sub_id.{name}")
        return value
    return _simple(value, "sub_id")


def _simple(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidSubject(f"{where} must be a JSON object")
    kind = value.get("format")
    if kind not in FORMATS:
        raise InvalidSubject(f"{where}.format {kind!r} is not one of {sorted(FORMATS)}")
    for member in FORMATS[kind]:
        if not isinstance(value.get(member), str) or not value[member]:
            raise InvalidSubject(f"{where}.{member} must be a non-empty string for format {kind}")
    if kind == "email" and "@" not in value["email"]:
        raise InvalidSubject(f"{where}.email is not an email address")
    return value


def canonical_email(address: str) -> str:
    """The address with its domain lower-cased (RFC 9493 §3.2.2: the domain is case-insensitive)."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{domain.lower()}"
