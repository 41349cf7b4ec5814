"""``smsconsole serve`` as a process: the printed URL, real answers, an access-log line
per request, a clean exit on SIGTERM; several workers on one socket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from alibabacloud_dysmsapi20170525 import models as m

from tests.conftest import TEST_SECRET_KEY
from tests.gateway.conftest import sdk
from tests.gateway.test_aliyun_api import call


def env_for(data_dir, db_url):
    return dict(os.environ, SMSCONSOLE_DATA_DIR=str(data_dir), SMSCONSOLE_DB_URL=db_url,
                SMSCONSOLE_LANG="en", SMSCONSOLE_SECRET_KEY=TEST_SECRET_KEY.decode(),
                PYTHONUNBUFFERED="1")


def start(args, env):
    proc = subprocess.Popen([sys.executable, "-m", "smsconsole", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first = proc.stdout.readline().strip()  # blocks until the line or exit
    return proc, first


def stop(proc, timeout=20):
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_prints_its_url_logs_requests_and_stops_on_sigterm(gsvc, tmp_path, db_url,
                                                                  workers):
    from tests.gateway.conftest import make_customer

    c = make_customer(gsvc)
    proc, first = start(["--workers", str(workers)], env_for(tmp_path, db_url))
    try:
        assert first.startswith("gateway http://127.0.0.1:"), first + proc.stderr.read()
        url = first.split()[1]
        port = int(url.rsplit(":", 1)[1])
        assert port > 0
        q = m.QuerySendDetailsRequest(phone_number="13700000080", send_date="20261125",
                                      page_size=10, current_page=1)
        # The test clock is 2026-11-25; the server runs on the real clock, so the date may
        # be outside its 30 days: either answer proves the key and signature were accepted.
        got = call(lambda: sdk(url, c.ak, c.secret).query_send_details(q))
        assert got in ((200, "OK"), (200, "isv.INVALID_PARAMETERS")), got
        assert call(lambda: sdk(url, "SMSCnope000000000000", "x").query_send_details(q)) == (
            404, "InvalidAccessKeyId.NotFound")
        time.sleep(0.3)
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    lines = [line for line in out.splitlines() if '"POST /"' in line]
    assert len(lines) == 2, out
    assert "QuerySendDetails" in lines[0] and "InvalidAccessKeyId.NotFound" in lines[1]
    assert c.secret not in out + err and "13700000080" not in out
    assert "Traceback" not in err


def test_serve_refuses_a_port_in_use_with_one_line(gsvc, tmp_path, db_url):
    from smsconsole.gateway.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        out = subprocess.run([sys.executable, "-m", "smsconsole", "serve", "--port",
                              str(sock.getsockname()[1])], capture_output=True, text=True,
                             env=env_for(tmp_path, db_url), timeout=60)
    finally:
        sock.close()
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    assert "cannot listen" in out.stderr and "Traceback" not in out.stderr


def test_the_readme_example_sends_through_the_gateway(gsvc, gateway, customer):
    from pathlib import Path

    from smsconsole.store.models import SmsType

    script = Path(__file__).resolve().parents[2] / "examples" / "send_with_sdk.py"
    env = dict(os.environ, SMS_ENDPOINT=gateway.url.split("://", 1)[1], SMS_AK=customer.ak,
               SMS_SECRET=customer.secret)
    for signature in ("", "v2"):
        out = subprocess.run([sys.executable, str(script), "13700000201", customer.sign_name,
                              customer.codes[SmsType.NOTIFICATION],
                              '{"name":"张三","order":"A1"}'],
                             capture_output=True, text=True, timeout=60,
                             env=dict(env, SMS_SIGNATURE=signature))
        assert out.returncode == 0, out.stdout + out.stderr
        assert out.stdout.startswith("SendSms: OK OK BizId=")
    bad = subprocess.run([sys.executable, str(script), "123", customer.sign_name,
                          customer.codes[SmsType.NOTIFICATION]], capture_output=True, text=True,
                         timeout=60, env=env)
    assert bad.returncode == 1 and "isv.MOBILE_NUMBER_ILLEGAL" in bad.stdout


def test_sigterm_lets_the_request_in_flight_finish(gsvc, tmp_path, db_url):
    import threading

    from smsconsole.cloud.sandbox import client as sbc
    from smsconsole.cloud.sandbox.runtime import read_endpoints
    from smsconsole.store.models import SmsType
    from tests.gateway.conftest import make_customer

    c = make_customer(gsvc)
    proc, first = start([], env_for(tmp_path, db_url))
    try:
        assert first.startswith("gateway http://"), first
        url = first.split()[1]
        # serve started the sandbox for this data dir: slow its next SendSms down.
        eps = read_endpoints(tmp_path)
        assert eps is not None
        sbc.inject_fault(eps, "sms", "SendSms", kind="delay", seconds=2.0)
        result = {}

        def send():
            result["got"] = call(lambda: sdk(url, c.ak, c.secret).send_sms(m.SendSmsRequest(
                phone_numbers="13700000401", sign_name=c.sign_name,
                template_code=c.codes[SmsType.NOTIFICATION],
                template_param='{"name":"a","order":"1"}')))

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.8)  # the request is waiting for the slowed upstream
        proc.send_signal(signal.SIGTERM)
        sender.join(30)
    finally:
        code, out, err = stop(proc) if proc.poll() is None else (proc.wait(), *proc.communicate())
    assert result["got"] == (200, "OK")
    assert code == 0, err
    assert any('"POST /"' in line and "SendSms" in line and " 200 " in line
               for line in out.splitlines()), out


def test_an_unhandled_error_answers_internal_error_and_logs_one_line(gsvc, caplog):
    """The access log's middleware: an error no handler caught answers Aliyun's
    ``InternalError`` as JSON with a RequestId (never a traceback), logged once."""
    import logging

    import httpx

    from tests.gateway.conftest import Served

    served = Served(gsvc)

    def boom():
        raise RuntimeError("secret detail")

    served.app.add_api_route("/boom", boom, methods=["GET"])
    # The line is written after the answer is sent: captured until the server stopped.
    with caplog.at_level(logging.INFO, logger="smsconsole.gateway.access"):
        served.start()
        try:
            r = httpx.get(served.url + "/boom?PhoneNumbers=13700000001", timeout=10)
            ok = httpx.post(served.url + "/", timeout=10)  # an ordinary refusal
        finally:
            served.stop()
    assert r.status_code == 500, r.text
    body = r.json()
    assert body["Code"] == "InternalError" and len(body["RequestId"]) == 36
    assert "secret detail" not in r.text and "Traceback" not in r.text
    assert ok.status_code == 400 and ok.json()["Code"] != "InternalError"
    lines = [rec.getMessage() for rec in caplog.records
             if rec.name == "smsconsole.gateway.access"]
    assert any('"GET /boom" 500' in x for x in lines), lines
    assert any('"POST /" 400' in x for x in lines), lines
    assert not any("13700000001" in x for x in lines)
    assert any("unhandled error " + body["RequestId"] in x for x in lines)
