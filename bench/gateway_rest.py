"""Front-door benchmark (issue 16): customer logins/s against argon2 alone, verification
code requests/s, Alipay notify handling/s — over HTTP to a real uvicorn on loopback
(httpx, one client, sequential), SQLite, the built-in sandbox for SMS; ratios are from
one run on one machine.

    python bench/gateway_rest.py [--n 200] [--db URL]

The per-IP code limit (30/hour) is lifted in this process for the code run: every
request comes from 127.0.0.1. Each code goes to a different phone (Aliyun's per-phone
flow control, which the sandbox enforces, allows one a minute).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT / "src", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="requests per measure")
    parser.add_argument("--db", default="", help="database URL (default: a temp SQLite)")
    args = parser.parse_args()
    n = max(10, min(args.n, 5000))

    import httpx
    from tests.factories import PASSWORD, configure_sandbox, user
    from tests.gateway.rest.helpers import order_for, signed_notify
    from tests.gateway.rest_app import Server

    from smsconsole.cloud.sandbox.server import Sandbox
    from smsconsole.services import build
    from smsconsole.services import codes as codes_mod
    from smsconsole.services.cloud_access import sandbox_payment_values
    from smsconsole.services.secrets import hash_password, verify_password

    tmp = Path(tempfile.mkdtemp(prefix="smsconsole-bench-gw-"))
    box = Sandbox(tmp / "sbx", config={"report_delay": 5.0, "failure_rate": 0.0})
    box.start()
    svc = build(args.db or f"sqlite:///{tmp / 'bench.db'}", tmp / "data")
    svc.ctx.extra["sandbox_endpoints"] = box.endpoints
    try:
        actor = configure_sandbox(svc)
        with Server(svc) as server, httpx.Client(base_url=server.url, timeout=30,
                                                     trust_env=False) as c:
            from dataclasses import replace

            svc.settings.update_payment(actor, replace(sandbox_payment_values(svc.ctx),
                                                       notify_port=server.port))
            # argon2 alone: one verify per login.
            h = hash_password(PASSWORD)
            t0 = time.perf_counter()
            for _ in range(n):
                verify_password(h, PASSWORD)
            argon = rate(n, time.perf_counter() - t0)
            # Logins over HTTP.
            u = user(svc)
            c.post("/api/v1/sessions", json={"login": u.phone, "password": PASSWORD})
            t0 = time.perf_counter()
            for _ in range(n):
                r = c.post("/api/v1/sessions", json={"login": u.phone, "password": PASSWORD})
                assert r.status_code == 201, r.text
            logins = rate(n, time.perf_counter() - t0)
            # Code requests (each sent through the sandbox).
            codes_mod.IP_LIMITS = ()
            t0 = time.perf_counter()
            for i in range(n):
                r = c.post("/api/v1/codes", json={"phone": f"1361{i:07d}",
                                                  "scenario": "register"})
                assert r.status_code == 202, r.text
            code_rate = rate(n, time.perf_counter() - t0)
            # Alipay notifications, each paying a fresh order.
            signed = []
            for _ in range(n):
                _, order = order_for(svc, actor)
                signed.append(signed_notify(box, order))
            t0 = time.perf_counter()
            for params in signed:
                assert c.post("/alipay/notify", data=params).text == "success"
            notify = rate(n, time.perf_counter() - t0)
        print(f"argon2 verify alone: {argon:,.1f} /s")
        print(f"logins over HTTP: {logins:,.1f} /s ({logins / argon:.2f} of argon2 alone)")
        print(f"code requests over HTTP: {code_rate:,.1f} /s "
              f"({code_rate / argon:.2f} of argon2 alone; one argon2 hash + one SendSms each)")
        print(f"alipay notifies handled: {notify:,.1f} /s (RSA2 verify + paid + holding)")
    finally:
        svc.close()
        box.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
