"""Fixtures for the cloud adapters and the sandbox: a fresh sandbox per test on loopback
(shared Alipay keys, short delays), and retry policies that record instead of sleeping."""

from __future__ import annotations

import random

import pytest

from smsconsole.cloud.retry import RetryPolicy
from smsconsole.cloud.sandbox.server import Sandbox

FAST = {
    "report_delay": 0.05,
    "review_delay": 1.0,
    "failure_rate": 0.0,
    "duplicate_rate": 0.0,
    "reply_rate": 0.0,
    "notify_retry_delays": [0.1, 0.1, 0.1],
}


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch):
    """Loopback traffic must not meet a proxy (tests that want one set it themselves)."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory):
    """One pair of generated RSA-2048 key pairs for the whole run (generation is slow)."""
    return tmp_path_factory.mktemp("alipay-keys")


@pytest.fixture
def make_sandbox(tmp_path, keys_dir):
    """Start sandboxes on ``tmp_path`` (or another dir); all are stopped at the end."""
    started: list[Sandbox] = []

    def make(data_dir=None, **config):
        sb = Sandbox(data_dir or tmp_path, keys_dir=keys_dir, config={**FAST, **config})
        sb.start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sbx(make_sandbox):
    return make_sandbox()


@pytest.fixture
def ep(sbx):
    return sbx.endpoints


class Sleeps(list):
    """A ``sleep`` replacement that records the requested waits."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def fast_retry(sleeps):
    return RetryPolicy(retries=3, base_delay=0.2, max_delay=5.0, sleep=sleeps,
                       rng=random.Random(1))

