"""The `routing` section of gateway.yaml: what a route file that fails to load does to traffic."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

FAIL_CLOSED: Final = "failClosed"
SKIP: Final = "skip"


class RoutingSettings(BaseModel):
    """How broken route files are treated at start-up, on reload and by readiness."""

    model_config = ConfigDict(extra="forbid")
    onBrokenRoute: Literal["failClosed", "skip"] = Field(
        FAIL_CLOSED,
        description=(
            "failClosed: a file whose condition is unknown (bad JSON, a condition that does not compile) "
            "answers 503 to every request reaching its position; skip: leave it out, so that its traffic "
            "goes to later routes (logged as a warning)."
        ),
    )
    strict: bool = Field(False, description="Refuse to start while any route file fails (also `serve --strict`).")
    readyWhileBroken: bool = Field(
        True, description="/ready stays 200 while some route files fail (they are listed in its body)."
    )
