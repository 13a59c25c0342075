"""What a route file uses, read from its JSON: the capabilities the routes list shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.admin.files import digest, read_text
from gateway.routing.source import parse_json

# Heap types by the capability they provide; a type not listed here provides none of them.
CAPABILITIES = {
    "CaptureDecorator": "capture",
    "ThrottlingFilter": "throttling",
    "MappedThrottlingPolicy": "throttling",
    "OidcLoginFilter": "authentication",
    "BearerTokenFilter": "authentication",
    "DeviceFlowFilter": "authentication",
    "SessionFilter": "authentication",
    "PolicyEnforcementFilter": "authorization",
    "HeaderFilter": "headers",
}
ORDER = ("capture", "throttling", "authentication", "authorization", "statistics", "headers")


def _walk(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind in CAPABILITIES:
            found.add(CAPABILITIES[kind])
        if node.get("capture"):
            found.add("capture")
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def capabilities(route: Any) -> list[str]:
    """The capabilities a parsed route uses, in the studio's panel order."""
    found: set[str] = set()
    if not isinstance(route, dict):
        return []
    _walk(route, found)
    monitor = route.get("monitor")
    if monitor is True or (isinstance(monitor, dict) and monitor.get("enabled", True)):
        found.add("statistics")
    return [name for name in ORDER if name in found]


def condition(route: Any) -> str | None:
    """The route's condition as written, or None when it takes every request."""
    value = route.get("condition") if isinstance(route, dict) else None
    return value if isinstance(value, str) else None


def describe(entries: list[dict[str, Any]], folder: Path, digests: dict[str, str | None]) -> None:
    """Add each file's condition, capabilities, hash and whether the disk differs from what is loaded."""
    for entry in entries:
        try:
            text = read_text(folder / entry["file"])
        except (OSError, UnicodeDecodeError):
            text = None
        # Read as serving reads it (OpenIG syntax too); a file that does not parse has no details.
        route = parse_json(text, entry["file"])[0] if text is not None else None
        entry["condition"] = condition(route)
        entry["capabilities"] = capabilities(route)
        entry["hash"] = digest(text) if text is not None else None
        loaded = digests.get(entry["file"]) or None
        entry["changedOnDisk"] = text is None or (loaded is not None and loaded != entry["hash"])
