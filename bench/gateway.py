"""Customer gateway benchmark (issue 15).

(a) SendSms with the official SDK through ``smsconsole serve`` vs the same SDK straight
    to the sandbox, same client concurrency, one number a request: gateway throughput
    ≥ 1/2 of direct; the p50/p99 latency the gateway adds.
(b) The gateway's own cost per request (signature check + quota charge + record, plus
    its upstream call) against a bare endpoint doing only the signature check, in
    process: the ratio, and a profile of where the time goes.
(c) Report push: PushItems to a local receiver (another process): ≥ 2,000 reports/s.

With (a), a reference: a bare forwarder (signature check and one SDK upstream call per
request, no database) under the same load; and the gateway's upstream calls per request
(the sandbox's counters): requests that arrive together share a SendBatchSms
(``services.gathering``), where the forwarder makes one call per request.

The sandbox and the gateway run as their own processes (``smsconsole sandbox``,
``smsconsole serve``) on a scratch SQLite data dir; the client threads run here.
Prints ``name: value unit (target T) ok|FAIL`` lines; exits 1 if any FAIL.

Direct and gateway runs alternate (``--rounds`` each) and each side's best run counts,
so that a moment of load from elsewhere on this shared machine skews neither side.

    python bench/gateway.py [--requests 2000] [--concurrency 8] [--workers 1] [--rounds 3]
                            [--pushes 20000]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)  # the Aliyun SDK ignores NO_PROXY

FAILED: list[str] = []
PASSWORD = "Bench-Secret-2026"  # the password rule: ≥ 10 characters, letters and digits


def line(name, value, unit, target, ok=True, extra="", fmt=",.0f"):
    status = "" if target is None else (" ok" if ok else " FAIL")
    if target is not None and not ok:
        FAILED.append(name)
    tgt = "" if target is None else f" (target {target})"
    print(f"{name}: {value:{fmt}} {unit}{tgt}{status}{extra}", flush=True)


def start(args: list[str], env: dict, first_prefix: str,
          program: tuple[str, ...] = ("-m", "smsconsole")) -> tuple[subprocess.Popen, list[str]]:
    """``python <program> <args>``, its lines up to the one starting ``first_prefix``."""
    proc = subprocess.Popen([sys.executable, *program, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = proc.stdout.readline()
        if not got:
            raise RuntimeError(f"{' '.join([*program, *args])[:60]} exited before it was ready")
        lines.append(got.strip())
        if got.startswith(first_prefix):
            break
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain the access log
    return proc, lines


def platform(env: dict):
    """Set up an admin, a customer with an approved signature and template from the
    sandbox, a large quota and an AccessKey, through the services."""
    from smsconsole.services import build
    from smsconsole.services.users import Registration
    from smsconsole.store.models import SmsType

    subprocess.run([sys.executable, "-m", "smsconsole", "setup", "--sandbox", "--admin-email",
                    "bench@example.com", "--admin-phone", "13800138000", "--password-stdin"],
                   input=f"{PASSWORD}\n", text=True, env=env, check=True, capture_output=True)
    svc = build(env["SMSCONSOLE_DB_URL"], Path(env["SMSCONSOLE_DATA_DIR"]))
    from smsconsole.services import Actor

    session = svc.auth.login("bench@example.com", PASSWORD)
    actor = Actor(session.admin_id, session.name)
    user = svc.users.register(Registration(account="benchco", name="Bench", phone="13900000001",
                                           company="Bench", email="b@example.com",
                                           password=PASSWORD))
    sms = svc.cloud.sms()
    sign = next(s for s in sms.list_signs() if s.status == "approved"
                and s.sign_type in ("general", None))
    tpl = next(t for t in sms.list_templates() if t.status == "approved"
               and t.template_type == "notification")
    svc.signatures.assign(actor, user.id, sign.name, "general")
    svc.templates.assign(actor, user.id, tpl.code)
    svc.holdings.allocate(actor, user.id, 5_000_000,
                          svc.ctx.clock.today() + timedelta(days=365), SmsType.NOTIFICATION)
    issued = svc.keys.create(actor, user.id)
    return svc, actor, user, sign.name, tpl, issued


def params_for(content: str) -> str:
    import re

    return json.dumps({v: "1" for v in re.findall(r"\$\{(\w+)\}", content)})


def load(url: str, ak: str, secret: str, sign: str, code: str, param: str, n: int,
         concurrency: int, start: int) -> tuple[float, list[float]]:
    from alibabacloud_dysmsapi20170525 import models as m
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    local = threading.local()

    def one(i: int) -> float:
        c = getattr(local, "client", None)
        if c is None:
            c = local.client = Client(Config(access_key_id=ak, access_key_secret=secret,
                                             endpoint=url.split("://", 1)[1], protocol="http"))
        t0 = time.perf_counter()
        r = c.send_sms(m.SendSmsRequest(phone_numbers=f"137{start + i:08d}", sign_name=sign,
                                        template_code=code, template_param=param))
        if r.body.code != "OK":
            raise RuntimeError(f"{r.body.code}: {r.body.message}")
        return time.perf_counter() - t0

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(min(50, n))))  # warm up: connections, imports, caches
        t0 = time.perf_counter()
        lat = list(pool.map(one, range(100, 100 + n)))
        return time.perf_counter() - t0, lat


def upstream_calls(eps: dict) -> int:
    """SendSms and SendBatchSms requests the sandbox has had (its own counters)."""
    from types import SimpleNamespace

    from smsconsole.cloud.sandbox import client as sbc

    counts = sbc.faults(SimpleNamespace(sms=eps["sms"]))["requests"]
    return sum(int(counts.get(f"sms:{action}", 0)) for action in ("SendSms", "SendBatchSms"))


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def signed(host: str, ak: str, secret: str, query: dict[str, str]):
    """An ACS3-signed SendSms request as the SDK builds it: (query string, headers)."""
    from smsconsole.cloud import acs_signing as acs

    headers = {"host": host, "x-acs-action": "SendSms", "x-acs-version": "2017-05-25",
               "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "x-acs-signature-nonce": uuid.uuid4().hex,
               "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
               "accept": "application/json"}
    names = ";".join(sorted(headers))
    canonical = acs.acs3_canonical_request("POST", "/", sorted(query.items()), headers, names,
                                           headers["x-acs-content-sha256"])
    sig = acs.acs3_signature(secret, acs.acs3_string_to_sign(acs.ACS3, canonical))
    headers["authorization"] = f"{acs.ACS3} Credential={ak},SignedHeaders={names},Signature={sig}"
    return urlencode(query), headers


# The least a gateway that forwards each request can do: check the signature and make
# one upstream call with the official SDK, nothing recorded (no database, no quota, no
# access log), served like the gateway (FastAPI on uvicorn, the same socket, the sync work
# in the thread pool): every request costs the SDK client twice (here and upstream). The
# gateway records far more but shares upstream calls among requests arriving together.
FORWARDER = r"""
import json, os, sys, uuid
from urllib.parse import parse_qsl
import uvicorn
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from alibabacloud_dysmsapi20170525 import models as m
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from smsconsole.cloud import acs_signing
from smsconsole.gateway.server import base_url, bind

env = os.environ
upstream = Client(Config(access_key_id=env["UP_AK"], access_key_secret=env["UP_SECRET"],
                         endpoint=env["UP_ENDPOINT"], protocol="http"))
secret = env["CUSTOMER_SECRET"]
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

def handle(query, headers, body):
    v = acs_signing.verify("POST", "/", parse_qsl(query), [], headers, body,
                           lambda _ak: secret, lambda _n, _a: True)
    p = v.params
    r = upstream.send_sms(m.SendSmsRequest(phone_numbers=p["PhoneNumbers"],
                                           sign_name=p["SignName"],
                                           template_code=p["TemplateCode"],
                                           template_param=p.get("TemplateParam")))
    return {"RequestId": str(uuid.uuid4()).upper(), "Code": r.body.code,
            "Message": r.body.message, "BizId": r.body.biz_id}

@app.post("/")
async def forward(request: Request) -> Response:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    payload = await run_in_threadpool(handle, request.url.query, headers, body)
    return Response(json.dumps(payload, ensure_ascii=False).encode(), 200,
                    media_type="application/json;charset=utf-8")

sock = bind("127.0.0.1", 0)
server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False,
                                       server_header=False))
started = server.startup
async def startup(sockets=None):
    await started(sockets=sockets)
    print("forwarder", base_url("127.0.0.1", sock.getsockname()[1]), flush=True)
server.startup = startup
server.run(sockets=[sock])
"""


RECEIVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms delayed ACK
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        body = b'{"code":0,"msg":"ok"}'
        self.send_response(200); self.send_header("content-length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(f"receiver http://127.0.0.1:{s.server_address[1]}", flush=True)
s.serve_forever()
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    # One process each, as the sandbox is one: on SQLite several gateway processes only
    # fight over the one write lock (SQLite's busy wait polls and starves a waiter: with
    # 2 workers requests waited past the SDK's 10 s read timeout on this 2-core machine).
    ap.add_argument("--workers", type=int, default=1,
                    help="uvicorn workers of the gateway (default 1, like the sandbox)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="direct and gateway runs, alternating; each side's best counts")
    ap.add_argument("--pushes", type=int, default=20000)
    ap.add_argument("--profile-requests", type=int, default=300)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="smsconsole-bench-gw-"))
    env = dict(os.environ, SMSCONSOLE_DATA_DIR=str(tmp),
               SMSCONSOLE_DB_URL=f"sqlite:///{tmp / 'smsconsole.db'}", SMSCONSOLE_LANG="en",
               SMSCONSOLE_SECRET_KEY="c21zY29uc29sZS1iZW5jaC1nYXRld2F5LWtleSEhISE=")
    os.environ.update({k: env[k] for k in ("SMSCONSOLE_SECRET_KEY",)})
    procs: list[subprocess.Popen] = []
    try:
        sandbox, lines = start(["sandbox", "--port", "0"], env, "reply-queue")
        procs.append(sandbox)
        eps = dict(x.split(" ", 1) for x in lines if " " in x)
        svc, actor, user, sign, tpl, issued = platform(env)
        gateway, glines = start(["serve", "--port", "0", "--workers", str(args.workers)], env,
                                "gateway ")
        procs.append(gateway)
        gw_url = glines[-1].split()[1]
        param = params_for(tpl.content)
        n, c = args.requests, args.concurrency
        import sqlite3

        with sqlite3.connect(tmp / "smsconsole.db") as con:
            journal = con.execute("PRAGMA journal_mode").fetchone()[0]
        print(f"# {n} SendSms requests, 1 number each, {c} client threads for both, official "
              f"SDK (ACS3); SQLite ({journal}); sandbox and gateway ({args.workers} uvicorn "
              f"workers) in their own processes", flush=True)

        # (a) throughput and added latency
        import alibabacloud_dysmsapi20170525.client  # noqa: F401 - imported before the clock

        # Direct and gateway runs alternate, ``--rounds`` of each, and each side's best
        # run counts: a slow moment of this shared machine then skews neither side.
        d_rates, g_rates, d_lat, g_lat, client_cpu, calls_made = [], [], [], [], 0.0, 0
        for r in range(args.rounds):
            c0 = time.process_time()
            d_time, lat = load(eps["sms"], eps["access-key-id"], eps["access-key-secret"],
                               sign, tpl.code, param, n, c, 3_000_000 * r)
            client_cpu += (time.process_time() - c0) / (n + min(50, n)) / args.rounds
            d_rates.append(n / d_time)
            d_lat += lat
            calls_before = upstream_calls(eps)
            g_time, lat = load(gw_url, issued.key.access_key_id, issued.secret, sign,
                               tpl.code, param, n, c, 3_000_000 * r + 1_000_000)
            calls_made += upstream_calls(eps) - calls_before
            g_rates.append(n / g_time)
            g_lat += lat
        direct, via = max(d_rates), max(g_rates)
        runs = " / ".join(f"{x:,.0f}" for x in d_rates)
        g_runs = " / ".join(f"{x:,.0f}" for x in g_rates)
        line("sendsms direct to sandbox", direct, "req/s", None,
             extra=f" (runs {runs}; the SDK client's CPU {client_cpu * 1e6:,.0f} µs/request)")
        per_request = calls_made / ((n + min(50, n)) * args.rounds)
        line("sendsms through gateway", via, "req/s", None,
             extra=f" (runs {g_runs}; upstream calls per request {per_request:.2f}, "
                   "warm-up included: requests that arrive together share a SendBatchSms)")
        line("gateway/direct throughput", via / direct, "", "≥ 0.50", via / direct >= 0.5,
             fmt=".2f")
        fenv = dict(env, UP_AK=eps["access-key-id"], UP_SECRET=eps["access-key-secret"],
                    UP_ENDPOINT=eps["sms"].split("://", 1)[1], CUSTOMER_SECRET=issued.secret,
                    PYTHONPATH=str(ROOT / "src"))
        fproc, flines = start([], fenv, "forwarder ", program=("-c", FORWARDER))
        procs.append(fproc)
        f_url = flines[-1].split()[1]
        f_time, _f_lat = load(f_url, issued.key.access_key_id, issued.secret, sign, tpl.code,
                              param, n, c, 2_000_000)  # one run: a reference
        forwarded = n / f_time
        line("sendsms through a bare forwarder", forwarded, "req/s", None,
             extra=f" (ratio {forwarded / direct:.2f} of direct: signature check + one SDK "
                   "upstream call per request, nothing recorded)")
        fproc.terminate()
        fproc.wait(30)
        procs.remove(fproc)
        for p in (50, 99):
            line(f"added latency p{p}", (pct(g_lat, p) - pct(d_lat, p)) * 1000, "ms", None,
                 extra=f" (gateway {pct(g_lat, p) * 1000:.1f} ms, direct "
                       f"{pct(d_lat, p) * 1000:.1f} ms)", fmt=".1f")
        gateway.terminate()
        gateway.wait(30)
        procs.remove(gateway)

        # (b) the gateway's own cost against a bare signature check, in process
        from smsconsole.cloud import acs_signing
        from smsconsole.gateway.aliyun_api import AliyunApi

        api = AliyunApi(svc)
        ak, secret = issued.key.access_key_id, issued.secret
        host = "127.0.0.1:1"
        m = args.profile_requests
        reqs = [signed(host, ak, secret, {"PhoneNumbers": f"136{i:08d}", "SignName": sign,
                                          "TemplateCode": tpl.code, "TemplateParam": param})
                for i in range(3 * m + 20)]
        for q, h in reqs[:20]:  # warm up
            api.handle("POST", "/", q, h, b"")
        t0 = time.perf_counter()
        for q, h in reqs[20:20 + m]:
            acs_signing.verify("POST", "/", parse_qsl(q), [],
                               h, b"", lambda _ak: secret, lambda _n, _a: True)
        bare = (time.perf_counter() - t0) / m
        # CPU per request of this process, unprofiled: the gateway's own work plus the
        # SDK's client side of its upstream call (the sandbox's work is in its process).
        c0, t0 = time.process_time(), time.perf_counter()
        for q, h in reqs[20 + 2 * m:]:
            status, payload, _a, code = api.handle("POST", "/", q, h, b"")
            assert code == "OK", payload
        cpu = (time.process_time() - c0) / m
        unprofiled = (time.perf_counter() - t0) / m
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for q, h in reqs[20 + m:20 + 2 * m]:
            status, payload, _a, code = api.handle("POST", "/", q, h, b"")
            assert code == "OK", payload
        prof.disable()
        full = (time.perf_counter() - t0) / m
        stats = pstats.Stats(prof)
        upstream = next((v[3] for k, v in stats.stats.items()
                         if k[2] == "send_sms" and k[0].endswith("cloud/sms.py")), 0.0) / m
        line("bare signature check", bare * 1e6, "µs/request", None)
        line("gateway SendSms in process", full * 1e6, "µs/request", None,
             extra=f" (of which the upstream call {upstream * 1e6:,.0f} µs)")
        line("gateway SendSms in process, unprofiled", unprofiled * 1e6, "µs/request", None,
             extra=f" (CPU of this process {cpu * 1e6:,.0f} µs)")
        line("gateway/bare cost ratio", full / bare, "", None, fmt=".1f",
             extra=f" (without the upstream call {(full - upstream) / bare:.1f})")
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(
            os.environ.get("BENCH_SORT", "cumulative")).print_stats(18)
        print("# profile of the gateway's SendSms (cumulative):")
        for text in out.getvalue().splitlines():
            if text.strip() and ("{" in text or "/" in text or "ncalls" in text):
                print("#   " + text.strip()[:150])

        # (c) pushes
        from smsconsole.services.pushes import Pusher
        from smsconsole.store.models import PushItem

        rproc = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE,
                                 text=True)
        procs.append(rproc)
        r_url = rproc.stdout.readline().split()[1]
        svc.keys.set_callbacks(actor, user.id, r_url + "/report", "")
        now = svc.ctx.clock.now()
        item = json.dumps({"phone_number": "13700000000", "send_time": "2026-12-01 10:00:00",
                           "report_time": "2026-12-01 10:00:05", "success": True,
                           "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1",
                           "biz_id": "900619746936498440^0", "out_id": ""},
                          ensure_ascii=False)
        from sqlalchemy import insert

        with svc.store.session() as s:
            s.execute(insert(PushItem), [dict(user_id=user.id, kind="report", payload=item,
                                              status="pending", attempts=0, next_at=now,
                                              created_at=now, last_error="")
                                         for _ in range(args.pushes)])
        pusher = Pusher(svc)
        t0 = time.perf_counter()
        done = 0
        push_prof = cProfile.Profile()
        if os.environ.get("BENCH_PUSH_PROFILE"):
            push_prof.enable()
        while True:
            got = pusher.run_once()
            if not got:
                break
            done += got
        rate = done / (time.perf_counter() - t0)
        push_prof.disable()
        if os.environ.get("BENCH_PUSH_PROFILE"):
            pstats.Stats(push_prof).sort_stats("cumulative").print_stats(25)
        line("report push to a local receiver", rate, "reports/s", "≥ 2,000", rate >= 2000,
             extra=f" ({done:,} reports, batches of 100)")
        svc.close()
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    return 1 if FAILED else 0


if __name__ == "__main__":
    raise SystemExit(main())
