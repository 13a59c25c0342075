"""Every heap type the gateway knows, listed explicitly: the JSON `type` is the class name."""

from __future__ import annotations

from functools import cache
from typing import Any

from gateway.auth.bearer import BearerTokenFilter
from gateway.auth.device import DeviceFlowFilter
from gateway.auth.login import OidcLoginFilter
from gateway.auth.provider import OidcProvider
from gateway.capture.decorator import CaptureDecorator
from gateway.filters.headers import HeaderFilter
from gateway.filters.policy import PolicyEnforcementFilter
from gateway.handlers.chain import Chain
from gateway.handlers.dispatch import DispatchHandler
from gateway.handlers.proxy import ClientHandler
from gateway.handlers.static import StaticResponseHandler
from gateway.policy.authzen_client import AuthZenPdp
from gateway.policy.builtin import PolicyDecisionPoint
from gateway.policy.openam_client import OpenAmPdp
from gateway.sessions.filter import SessionFilter
from gateway.throttling.filter import ThrottlingFilter
from gateway.throttling.rates import MappedThrottlingPolicy

TYPES: tuple[Any, ...] = (
    ClientHandler,
    StaticResponseHandler,
    Chain,
    DispatchHandler,
    HeaderFilter,
    ThrottlingFilter,
    MappedThrottlingPolicy,
    CaptureDecorator,
    OidcProvider,
    BearerTokenFilter,
    DeviceFlowFilter,
    OidcLoginFilter,
    SessionFilter,
    PolicyDecisionPoint,
    AuthZenPdp,
    OpenAmPdp,
    PolicyEnforcementFilter,
)

# Objects every heap has without declaring them, as in OpenIG.
DEFAULT_OBJECTS: dict[str, tuple[str, dict[str, Any]]] = {
    "ClientHandler": ("ClientHandler", {}),
    "capture": ("CaptureDecorator", {}),
}


@cache
def types_by_name() -> dict[str, Any]:
    """The registry keyed by JSON type name."""
    return {cls.__name__: cls for cls in TYPES}
