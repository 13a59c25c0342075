"""Resolving the PDP and the step-up login of a PolicyEnforcementFilter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from aiohttp import web

from gateway.policy.decision import Pdp
from gateway.policy.enforcement_config import OpenIgFields

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.heap.fields import Ref


@runtime_checkable
class StepUpLogin(Protocol):
    """What the enforcement filter needs of a login filter (an OidcLoginFilter): a login asking for `acr_values`."""

    async def step_up(self, request: web.BaseRequest, acr_values: str) -> web.StreamResponse:
        """Send the browser to log in again, asking for `acr_values` (a PDP's advice)."""


def resolve_pdp(ref: Ref | None, config: OpenIgFields, ctx: BuildContext) -> Pdp | None:
    """The `pdp` reference, or an OpenAmPdp built from OpenIG's `openamUrl` properties."""
    if ref is not None:
        if config.openamUrl is not None:
            ctx.error("openamUrl", "give either `pdp` or `openamUrl`, not both")
        found = ctx.resolve(ref, "pdp", object)
        if found is not None and not (hasattr(found, "evaluate") and hasattr(found, "evaluate_all")):
            ctx.error("pdp", f"expected a PDP (PolicyDecisionPoint, AuthZenPdp, OpenAmPdp), not {type(found).__name__}")
            return None
        pdp: Pdp = found  # type: ignore[assignment]
        return pdp
    if config.openamUrl is not None:
        from gateway.policy.openam_client import OpenAmPdp

        return OpenAmPdp.from_openig(config, ctx)
    ctx.error("pdp", "required: a PDP heap object (or OpenIG's openamUrl, pepUsername, pepPassword)")
    return None


def resolve_login(ref: Ref | None, ctx: BuildContext) -> StepUpLogin | None:
    """The OidcLoginFilter that performs step-ups, if the route names one."""
    if ref is None:
        return None
    found = ctx.resolve(ref, "login", object)
    if found is not None and not isinstance(found, StepUpLogin):
        ctx.error("login", f"expected an OidcLoginFilter (a login that can step up), not {type(found).__name__}")
        return None
    return found
