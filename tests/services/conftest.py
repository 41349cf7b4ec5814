"""A fresh sandbox per worker test (its queues hold only this test's messages) and the
services configured for it."""

from __future__ import annotations

import pytest

from smsconsole.cloud.sandbox.server import Sandbox
from tests import factories as f
from tests.conftest import make_services

FAST = {"report_delay": 0.0, "review_delay": 1.0, "failure_rate": 0.15, "duplicate_rate": 0.1,
        "reply_rate": 0.2, "unsubscribe_share": 0.5}


@pytest.fixture(scope="session")
def worker_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("worker-keys")


@pytest.fixture
def box(tmp_path, worker_keys):
    sb = Sandbox(tmp_path / "cloud", keys_dir=worker_keys, config=dict(FAST))
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def wsvc(db_url, tmp_path, clock, box):
    svc = make_services(db_url, tmp_path, clock, box)
    svc.admin = f.configure_sandbox(svc)
    yield svc
    svc.close()
