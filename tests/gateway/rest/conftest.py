"""Front-door tests (issue 16): the REST API and Alipay notify on a real uvicorn, over
services configured for a sandbox of their own (Alipay trade numbers are order numbers,
which every test's fresh database repeats) whose notifications go to that server."""

from __future__ import annotations

import httpx
import pytest

from smsconsole.cloud.sandbox.server import Sandbox
from tests.conftest import make_services
from tests.factories import configure_sandbox

FAST = {"report_delay": 0.05, "review_delay": 1.0, "failure_rate": 0.0,
        "duplicate_rate": 0.0, "reply_rate": 0.0, "notify_retry_delays": [0.2, 0.3, 0.5]}


@pytest.fixture(scope="session")
def gw_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("gw-alipay-keys")


@pytest.fixture
def gw_sandbox(tmp_path, gw_keys):
    box = Sandbox(tmp_path / "sbx", keys_dir=gw_keys, config=FAST)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def gw(db_url, tmp_path, clock, gw_sandbox):
    """(services, server): the admin set up on the sandbox, payment notifying the server."""
    from dataclasses import replace

    from smsconsole.cloud.sandbox import client as sbc
    from smsconsole.services.cloud_access import sandbox_payment_values
    from tests.gateway.rest_app import Server

    sbc.set_clock(gw_sandbox.endpoints, clock.now(), hold=True)  # see helpers.advance
    svc = make_services(db_url, tmp_path / "data", clock, gw_sandbox)
    actor = configure_sandbox(svc)
    with Server(svc) as server:
        pay = replace(sandbox_payment_values(svc.ctx), notify_port=server.port)
        svc.settings.update_payment(actor, pay)
        server.actor = actor
        yield svc, server
    svc.close()


@pytest.fixture
def client(gw):
    _, server = gw
    with httpx.Client(base_url=server.url, timeout=20, trust_env=False) as c:
        yield c
