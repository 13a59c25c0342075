"""Every heap type the gateway knows, listed explicitly: the JSON `type` is the class name."""

from __future__ import annotations

from typing import Any

from gateway.auth.issuer import Issuer, JwkSetSecretStore
from gateway.auth.provider import OidcProvider
from gateway.auth.registration import ClientRegistration
from gateway.auth.token_resolvers import StatelessAccessTokenResolver, TokenIntrospectionAccessTokenResolver
from gateway.filters.assignment import AssignmentFilter
from gateway.filters.audit_service import AuditService
from gateway.filters.bearer import BearerTokenFilter
from gateway.filters.capture import CaptureDecorator
from gateway.filters.conditional import ConditionalFilter
from gateway.filters.cookies import CookieFilter
from gateway.filters.device_flow import DeviceFlowFilter
from gateway.filters.enforcement import ConditionEnforcementFilter
from gateway.filters.entity_extract import EntityExtractFilter
from gateway.filters.file_attributes import FileAttributesFilter
from gateway.filters.headers import HeaderFilter
from gateway.filters.jwt_session import JwtSession
from gateway.filters.location import LocationHeaderFilter
from gateway.filters.oauth2_client import AuthorizationCodeOAuth2ClientFilter, OAuth2ClientFilter
from gateway.filters.oidc_login import OidcLoginFilter
from gateway.filters.password_replay import PasswordReplayFilter
from gateway.filters.policy import PolicyEnforcementFilter
from gateway.filters.resource_server import OAuth2ResourceServerFilter
from gateway.filters.session import SessionFilter
from gateway.filters.static_request import StaticRequestFilter
from gateway.filters.switch import SwitchFilter
from gateway.filters.throttling import ThrottlingFilter
from gateway.handlers.chain import Chain
from gateway.handlers.client import ClientHandler
from gateway.handlers.dispatch import DispatchHandler
from gateway.handlers.monitor import MonitorEndpointHandler
from gateway.handlers.static import StaticResponseHandler
from gateway.heap.catalog import Catalog
from gateway.heap.refused import REFUSED
from gateway.policy.authzen_client import AuthZenPdp
from gateway.policy.builtin import PolicyDecisionPoint
from gateway.policy.openam_client import OpenAmPdp
from gateway.throttling.default_rate import DefaultRateThrottlingPolicy
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
    StaticRequestFilter,
    AssignmentFilter,
    JwtSession,
    AuditService,
    ConditionalFilter,
    ConditionEnforcementFilter,
    SwitchFilter,
    LocationHeaderFilter,
    CookieFilter,
    EntityExtractFilter,
    FileAttributesFilter,
    DefaultRateThrottlingPolicy,
    MonitorEndpointHandler,
    PasswordReplayFilter,
    Issuer,
    JwkSetSecretStore,
    ClientRegistration,
    OAuth2ClientFilter,
    AuthorizationCodeOAuth2ClientFilter,
    StatelessAccessTokenResolver,
    TokenIntrospectionAccessTokenResolver,
    OAuth2ResourceServerFilter,
)

# Objects every heap has without declaring them, as in OpenIG.
DEFAULT_OBJECTS: dict[str, tuple[str, dict[str, Any]]] = {
    "ClientHandler": ("ClientHandler", {}),
    "capture": ("CaptureDecorator", {}),
}

# What the global heap (and through it every route's heap) builds from.
CATALOG = Catalog.of(TYPES, DEFAULT_OBJECTS, REFUSED)
