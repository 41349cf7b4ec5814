"""A fresh sandbox per demo test (its queues and catalog hold only this test's data),
and services on the test database that are NOT set up: the demo sets up its admin."""

from __future__ import annotations

import pytest

from smsconsole.cloud.sandbox.server import Sandbox
from tests.conftest import make_services


@pytest.fixture(scope="session")
def demo_keys(tmp_path_factory):
    """The sandbox's Alipay keys, made once (RSA key generation is slow)."""
    return tmp_path_factory.mktemp("demo-keys")


@pytest.fixture
def new_box(tmp_path, demo_keys):
    """Start fresh sandboxes on demand (``new_box("a")``); all stopped at the end."""
    boxes = []

    def start(name: str = "cloud") -> Sandbox:
        box = Sandbox(tmp_path / name, keys_dir=demo_keys)
        box.start()
        boxes.append(box)
        return box

    yield start
    for box in boxes:
        box.stop()


@pytest.fixture
def demo_services(db_url, tmp_path, clock, new_box):
    box = new_box()
    svc = make_services(db_url, tmp_path, clock, box)
    svc.box = box
    yield svc
    svc.close()
