"""An issuer that differs from what discovery names is a configuration error, shown as one: a page saying
the provider is misconfigured (not unavailable) and a log line naming the expected and the found issuer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.support.fake_op import CLIENT_ID, CLIENT_SECRET, FakeOp
from tests.support.login_support import HTML, login_gateway, login_route, provider
from tests.support.upstream import Upstream, raw_request


async def test_an_issuer_mismatch_is_a_configuration_error_page_and_log(
    tmp_path: Path, upstream: Upstream, op: FakeOp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="gateway.auth")
    configured = op.issuer + "/"  # the classic: a trailing slash the provider does not write
    heap = [provider("fake", configured, CLIENT_ID, CLIENT_SECRET)]
    async with login_gateway(tmp_path, 0, heap, {"10-app.json": login_route(upstream.url, ["fake"])}) as gateway:
        answer = await raw_request(gateway.url, "/app/data", headers=[("Accept", HTML)])
    assert answer.status == 500
    assert b"misconfigured" in answer.body and b"unavailable" not in answer.body
    [line] = [r.getMessage() for r in caplog.records if r.name == "gateway.auth"]
    assert repr(op.issuer) in line and repr(configured) in line
