"""Sandbox lifecycle: restart keeps queued reports, ensure_sandbox, the CLI entry point,
and no Textual import in the cloud package."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from smsconsole.cloud.queues import ReportQueue
from smsconsole.cloud.sandbox import client as sbc
from smsconsole.cloud.sandbox.runtime import (
    answers,
    ensure_sandbox,
    read_endpoints,
    stop_in_process_sandboxes,
)
from smsconsole.cloud.sandbox.server import Sandbox, SandboxBusy
from smsconsole.cloud.sms import SmsClient


def test_queued_reports_survive_a_restart(tmp_path, keys_dir):
    sb = Sandbox(tmp_path, keys_dir=keys_dir, config={"report_delay": 0.0})
    ep = sb.start()
    sms = SmsClient(ep.aliyun_settings())
    res = sms.send_sms([f"1380013800{i}" for i in range(5)], "速达科技", "SMS_100000004",
                       {"name": "a", "order": "b"})
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue)
    time.sleep(0.05)
    taken = q.receive(2, 0)  # two in flight, three visible at the restart
    assert len(taken) == 2
    q.close()
    sb.stop()

    sb2 = Sandbox(tmp_path, keys_dir=keys_dir)
    ep2 = sb2.start()
    try:
        assert ep2.sms != "" and ep2.report_queue == ep.report_queue
        assert sbc.configure(ep2)["report_delay"] == 0.0  # config survived too
        counts = sbc.state(ep2, summary=True)["queues"][ep2.report_queue]
        assert counts["visible"] == 3 and counts["in_flight"] == 2
        q2 = ReportQueue(ep2.aliyun_settings(), ep2.report_queue)
        got = q2.receive(16, 0)
        assert len(got) == 3
        assert {json.loads(m.body)["biz_id"] for m in got} == {res.biz_id}
        assert q2.delete([m.receipt_handle for m in taken]) == []  # still valid handles
        assert q2.delete([m.receipt_handle for m in got]) == []
        # BizIds keep counting: no reuse after the restart
        res2 = SmsClient(ep2.aliyun_settings()).send_sms(
            ["13800138000"], "速达科技", "SMS_100000004", {"name": "a", "order": "b"})
        assert res2.biz_id != res.biz_id
        q2.close()
    finally:
        sb2.stop()


def test_one_sandbox_per_data_dir(tmp_path, keys_dir):
    with Sandbox(tmp_path, keys_dir=keys_dir):
        with pytest.raises(SandboxBusy):
            Sandbox(tmp_path, keys_dir=keys_dir).start()


def test_ensure_sandbox_reuses_or_starts(tmp_path, keys_dir):
    try:
        ep = ensure_sandbox(tmp_path, keys_dir=keys_dir)
        assert answers(ep, tmp_path)
        assert read_endpoints(tmp_path) == ep
        assert ensure_sandbox(tmp_path) is ep
        assert (tmp_path / "sandbox" / "endpoints.json").stat().st_mode & 0o777 == 0o600
    finally:
        stop_in_process_sandboxes()
    assert not answers(ep)
    assert not (tmp_path / "sandbox" / "endpoints.json").exists()


def _python(code: str, *args, **kw):
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )


def test_cli_prints_the_contract_lines_and_stops_on_sigterm(tmp_path, keys_dir):
    proc = _python(
        """
        import sys
        from smsconsole.cloud.sandbox.command import run
        sys.exit(run(data_dir=sys.argv[1], keys_dir=sys.argv[2], seed=5))
        """,
        tmp_path, keys_dir,
    )
    try:
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(11)]
        keys = [line.split(" ", 1)[0] for line in lines]
        assert keys == ["sms", "mns", "alipay", "access-key-id", "access-key-secret", "uid",
                        "report-queue", "reply-queue", "alipay-app-id",
                        "alipay-app-private-key", "alipay-public-key"]
        values = dict(line.split(" ", 1) for line in lines)
        assert values["alipay"].endswith("/gateway.do")
        assert values["report-queue"] == f"Alicom-Queue-{values['uid']}-SmsReport"
        assert not values["access-key-id"].startswith("LTAI")
        assert os.path.exists(values["alipay-public-key"])
        # another process finds it through the data dir instead of starting its own
        found = read_endpoints(tmp_path)
        assert found is not None and found.sms == values["sms"] and answers(found, tmp_path)
        other = _python(
            """
            import sys
            from smsconsole.cloud.sandbox.runtime import ensure_sandbox
            print(ensure_sandbox(sys.argv[1]).sms)
            """,
            tmp_path,
        )
        out, _ = other.communicate(timeout=30)
        assert out.strip() == values["sms"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert not (tmp_path / "sandbox" / "endpoints.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_cli_refuses_a_served_data_dir(tmp_path, keys_dir):
    with Sandbox(tmp_path, keys_dir=keys_dir):
        proc = _python(
            """
            import sys
            from smsconsole.cloud.sandbox.command import run
            sys.exit(run(data_dir=sys.argv[1], keys_dir=sys.argv[2]))
            """,
            tmp_path, keys_dir,
        )
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert out == "" and "another sandbox" in err and "Traceback" not in err


def test_racing_processes_start_one_sandbox(tmp_path, keys_dir):
    code = """
        import sys, time
        from smsconsole.cloud.sandbox.runtime import ensure_sandbox
        ep = ensure_sandbox(sys.argv[1], keys_dir=sys.argv[2])
        print(ep.sms, flush=True)
        time.sleep(1.5)
        """
    procs = [_python(code, tmp_path, keys_dir) for _ in range(3)]
    outs = [p.communicate(timeout=30) for p in procs]
    urls = {o.strip() for o, _ in outs}
    assert len(urls) == 1, outs
    assert all(p.returncode == 0 for p in procs)


def test_cloud_package_does_not_import_textual():
    code = """
        import sys
        import smsconsole.cloud.sms, smsconsole.cloud.queues, smsconsole.cloud.payments
        import smsconsole.cloud.checks, smsconsole.cloud.cloud_error
        import smsconsole.cloud.sandbox.server, smsconsole.cloud.sandbox.command
        import smsconsole.cloud.sandbox.runtime, smsconsole.cloud.sandbox.client
        print(any(m == "textual" or m.startswith("textual.") for m in sys.modules))
        """
    out, err = _python(code).communicate(timeout=60)
    assert out.strip() == "False", err
