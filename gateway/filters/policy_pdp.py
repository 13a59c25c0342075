"""Resolving the PDP and the step-up login of a PolicyEnforcementFilter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.policy.decision import Pdp

if TYPE_CHECKING:
    from gateway.filters.policy import PolicyEnforcementFilter
    from gateway.heap.context import BuildContext


def resolve_pdp(config: PolicyEnforcementFilter.Config, ctx: BuildContext) -> Pdp | None:
    """The `pdp` reference, or an OpenAmPdp built from OpenIG's `openamUrl` properties."""
    if config.pdp is not None:
        if config.openamUrl is not None:
            ctx.error("openamUrl", "give either `pdp` or `openamUrl`, not both")
        found = ctx.resolve(config.pdp, "pdp", object)
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


def resolve_login(config: PolicyEnforcementFilter.Config, ctx: BuildContext) -> Any:
    """The OidcLoginFilter that performs step-ups, if the route names one."""
    if config.login is None:
        return None
    from gateway.auth.login import OidcLoginFilter

    return ctx.resolve(config.login, "login", OidcLoginFilter)
