"""The gateway on a real uvicorn server (free loopback port) over services configured
for a fresh sandbox; customers with their own signatures, templates, quota and keys."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
import uvicorn
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from smsconsole.cloud.sandbox.server import Sandbox
from smsconsole.gateway.app import create_app
from smsconsole.gateway.server import HTTP_PROTOCOL, bind
from smsconsole.store.models import SmsType
from tests import factories as f
from tests.conftest import make_services
from tests.services.cloudseed import sender

FAST = {"report_delay": 0.0, "review_delay": 1.0, "failure_rate": 0.2, "duplicate_rate": 0.0,
        "reply_rate": 0.0}


@pytest.fixture(scope="session")
def gw_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("gateway-keys")


@pytest.fixture
def box(tmp_path, gw_keys):
    sb = Sandbox(tmp_path / "cloud", keys_dir=gw_keys, config=dict(FAST))
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def gsvc(db_url, tmp_path, clock, box):
    svc = make_services(db_url, tmp_path, clock, box)
    svc.admin = f.configure_sandbox(svc)
    yield svc
    svc.close()


class Served:
    def __init__(self, services) -> None:
        self.app = create_app(services)
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, http=HTTP_PROTOCOL,
                                                    log_config=None, access_log=False,
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


@pytest.fixture
def gateway(gsvc):
    served = Served(gsvc).start()
    yield served
    served.stop()


@dataclass
class Customer:
    user_id: int
    account: str
    sign_name: str
    verify_sign: str
    codes: dict
    ak: str
    secret: str


@pytest.fixture
def customer(gsvc):
    return make_customer(gsvc)


def make_customer(svc, quota: int = 5000, **fields) -> Customer:
    from tests.services.cloudseed import verification_sign

    who = sender(svc, svc.admin, **fields)
    f.quota(svc, svc.admin, who.user_id, quota, SmsType.NOTIFICATION)
    f.quota(svc, svc.admin, who.user_id, 50, SmsType.VERIFICATION)
    issued = svc.keys.create(svc.admin, who.user_id)
    return Customer(who.user_id, who.account, who.sign_name, verification_sign(svc),
                    who.codes, issued.key.access_key_id, issued.secret)


def sdk(url: str, ak: str, secret: str, v2: bool = False) -> Client:
    """The official client, pointed at ``url`` (host:port, plain http)."""
    return Client(Config(access_key_id=ak, access_key_secret=secret,
                         endpoint=url.split("://", 1)[1], protocol="http",
                         signature_algorithm="v2" if v2 else None,
                         read_timeout=30000, connect_timeout=5000))
