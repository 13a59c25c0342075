"""Every heap type the gateway knows, listed explicitly: the JSON `type` is the class name."""

from __future__ import annotations

from typing import Any

from gateway.auth.provider import OidcProvider
from gateway.filters.bearer import BearerTokenFilter
from gateway.filters.capture import CaptureDecorator
from gateway.filters.device_flow import DeviceFlowFilter
from gateway.filters.headers import HeaderFilter
from gateway.filters.oidc_login import OidcLoginFilter
from gateway.filters.policy import PolicyEnforcementFilter
from gateway.filters.session import SessionFilter
from gateway.filters.throttling import ThrottlingFilter
from gateway.handlers.chain import Chain
from gateway.handlers.client import ClientHandler
from gateway.handlers.dispatch import DispatchHandler
from gateway.handlers.static import StaticResponseHandler
from gateway.heap.catalog import Catalog
from gateway.policy.authzen_client import AuthZenPdp
from gateway.policy.builtin import PolicyDecisionPoint
from gateway.policy.openam_client import OpenAmPdp
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

# What the global heap (and through it every route's heap) builds from.
CATALOG = Catalog.of(TYPES, DEFAULT_OBJECTS)
