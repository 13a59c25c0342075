"""The built-in PDP's configuration, and what its listener and OpenAM endpoint see of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field

from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.oauth.authzen import Evaluation
    from gateway.policy.decision import Decision
    from gateway.policy.engine import Engine
    from gateway.services import Services


class OpenAmEndpoint(ConfigModel):
    """The OpenAM-compatible endpoint: service accounts that may log in and ask for decisions."""

    users: dict[str, str] = Field(description="Service account name → password (from the environment).")
    tokenTtl: str | float = Field("10 minutes", description="How long a login token is valid.")
    cookieName: str = Field("iPlanetDirectoryPro", description="The header that carries the login token.")


class PdpConfig(ConfigModel):
    """The configuration of a PolicyDecisionPoint."""

    file: str = Field(description="The policy file (YAML or JSON), relative to the working directory.")
    listen: str | None = Field(
        None, description="HOST:PORT on which to serve the PDP to other PEPs (global heap only)."
    )
    identifier: str | None = Field(
        None, description="The PDP identifier advertised in its metadata; default http://<listen address>."
    )
    tokens: list[str] = Field(
        default_factory=list,
        description="Bearer tokens PEPs must present to the AuthZEN endpoints (from the environment).",
    )
    openam: OpenAmEndpoint | None = Field(None, description="Also serve OpenAM's policies?_action=evaluate.")
    watch: bool = Field(True, description="Reload the file when it changes (global heap only).")


class ServedPdp(Protocol):
    """What the PDP's listener and its OpenAM endpoint use of a PolicyDecisionPoint."""

    config: PdpConfig
    address: str | None
    engine: Engine
    services: Services
    openam: Any

    async def evaluate(self, question: Evaluation, request_id: str = "") -> Decision:
        """The decision on one question."""
