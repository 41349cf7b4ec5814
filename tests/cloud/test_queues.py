"""ReportQueue against the sandbox: alicom tokens and refresh, own mode, errors, retries."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from smsconsole.cloud.cloud_error import CloudError
from smsconsole.cloud.queues import ReportQueue, message_type_of
from smsconsole.cloud.sandbox import client as sbc
from smsconsole.cloud.sms import SmsClient


def send(ep, phones=("13800138000",)):
    sms = SmsClient(ep.aliyun_settings())
    return sms.send_batch_sms(list(phones), "速达科技", "SMS_100000004",
                              [{"name": "a", "order": "b"}] * len(phones))


def receive_all(q, expect, timeout=5.0):
    got = []
    deadline = time.time() + timeout
    while len(got) < expect and time.time() < deadline:
        got += q.receive(16, 1)
    return got


def test_message_type_from_queue_name():
    assert message_type_of("Alicom-Queue-123-SmsReport") == "SmsReport"
    assert message_type_of("Alicom-Queue-123-SmsUp") == "SmsUp"


def test_alicom_receive_delete(ep, fast_retry):
    res = send(ep, [f"1380013800{i}" for i in range(5)])
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry)
    msgs = receive_all(q, 5)
    assert len(msgs) == 5
    bodies = [json.loads(m.body) for m in msgs]
    assert {b["biz_id"] for b in bodies} == {res.biz_id}
    assert all(isinstance(m.body, bytes) and m.dequeue_count == 1 for m in msgs)
    assert all(m.enqueue_time_ms > 0 for m in msgs)
    assert q.delete([m.receipt_handle for m in msgs]) == []
    assert q.receive(16, 0) == []  # MessageNotExist → empty list
    assert q.token_refreshes == 1
    assert sbc.state(ep, summary=True)["queues"][ep.report_queue] == {
        "visible": 0, "in_flight": 0, "delayed": 0}
    q.close()


def test_partial_and_stale_deletes_return_the_failed_handles(ep, fast_retry):
    send(ep, ["13800138000", "13800138001"])
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry)
    msgs = receive_all(q, 2)
    new = q.change_visibility(msgs[0].receipt_handle, 30)
    assert new != msgs[0].receipt_handle
    failed = q.delete([msgs[0].receipt_handle, msgs[1].receipt_handle, "1-bogus"])
    assert failed == [msgs[0].receipt_handle, "1-bogus"]  # stale + unknown
    assert q.delete([new]) == []
    assert q.delete([]) == []


def test_delete_chunks_by_sixteen(ep, fast_retry):
    send(ep, [f"138001380{i:02d}" for i in range(40)])
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry)
    msgs = receive_all(q, 40)
    assert len(msgs) == 40
    before = sbc.request_count(ep, "mns", "BatchDeleteMessage")
    assert q.delete([m.receipt_handle for m in msgs]) == []
    assert sbc.request_count(ep, "mns", "BatchDeleteMessage") - before == 3


def test_change_visibility_to_zero_makes_it_come_back(ep, fast_retry):
    send(ep)
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry)
    (msg,) = receive_all(q, 1)
    q.change_visibility(msg.receipt_handle, 0)
    (again,) = q.receive(16, 1)
    assert again.message_id == msg.message_id and again.dequeue_count == 2
    with pytest.raises(CloudError) as exc:
        q.change_visibility(msg.receipt_handle, 10)  # stale
    assert (exc.value.service, exc.value.code) == ("mns", "MessageNotExist")


def test_token_is_refreshed_two_minutes_before_expiry(make_sandbox, fast_retry):
    sb = make_sandbox(token_ttl=600)
    ep = sb.endpoints
    now = [time.time()]
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry,
                    now=lambda: now[0])
    q.receive(16, 0)
    first = q.token_expire_time
    assert q.token_refreshes == 1
    now[0] += 600 - 121  # 121 s left: keep it
    q.receive(16, 0)
    assert q.token_refreshes == 1
    now[0] += 2  # 119 s left: refresh, rebuild the account
    q.receive(16, 0)
    assert q.token_refreshes == 2 and q.token_expire_time >= first
    assert sbc.request_count(ep, "sms", "QueryTokenForMnsQueue") == 2


def test_expired_token_is_refreshed_and_the_call_retried(make_sandbox, fast_retry, sleeps):
    sb = make_sandbox(token_ttl=1.0)
    ep = sb.endpoints
    far_past = [0.0]  # our clock says the token is fresh; the server knows better
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry,
                    now=lambda: far_past[0])
    q.receive(16, 0)
    time.sleep(1.1)
    send(ep)
    msgs = receive_all(q, 1)
    assert len(msgs) == 1
    assert q.token_refreshes == 2 and len(sleeps) == 1


def test_mns_5xx_and_dropped_connections_are_retried(ep, fast_retry, sleeps):
    send(ep)
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry)
    sbc.inject_fault(ep, "mns", "BatchReceiveMessage", kind="http500", count=1)
    # The SDK itself re-sends once on a dropped connection (BadStatusLine), so two drops
    # are needed to make it raise MNSClientNetworkException to us.
    sbc.inject_fault(ep, "mns", "BatchReceiveMessage", kind="drop", count=2)
    time.sleep(0.15)
    msgs = q.receive(16, 1)
    assert len(msgs) == 1
    assert sbc.request_count(ep, "mns", "BatchReceiveMessage") == 4
    assert len(sleeps) == 2


def test_persistent_5xx_gives_up_with_cloud_error(ep, fast_retry, sleeps):
    sbc.inject_fault(ep, "mns", "BatchReceiveMessage", kind="http500", count=10)
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry)
    with pytest.raises(CloudError) as exc:
        q.receive(16, 0)
    assert (exc.value.service, exc.value.code, exc.value.retryable) == (
        "mns", "InternalError", True)
    assert sbc.request_count(ep, "mns", "BatchReceiveMessage") == 4


def test_unknown_queue_names_the_field(ep, fast_retry):
    s = ep.aliyun_settings(queue_mode="own")
    q = ReportQueue(s, "Alicom-Queue-0-SmsReport", retry=fast_retry)
    with pytest.raises(CloudError) as exc:
        q.receive(16, 0)
    assert (exc.value.code, exc.value.field) == ("QueueNotExist", "report_queue")


def test_own_mode_uses_the_access_key(ep, fast_retry):
    send(ep)
    q = ReportQueue(ep.aliyun_settings(queue_mode="own"), ep.report_queue, retry=fast_retry)
    msgs = receive_all(q, 1)
    assert len(msgs) == 1 and q.token() is None
    assert sbc.request_count(ep, "sms", "QueryTokenForMnsQueue") == 0
    bad = ReportQueue(replace(ep.aliyun_settings(queue_mode="own"), access_key_secret="no"),
                      ep.report_queue, retry=fast_retry)
    with pytest.raises(CloudError) as exc:
        bad.receive(16, 0)
    assert (exc.value.code, exc.value.field, exc.value.retryable) == (
        "SignatureDoesNotMatch", "access_key_secret", False)


def test_peek_does_not_consume(ep, fast_retry):
    send(ep)
    q = ReportQueue(ep.aliyun_settings(), ep.report_queue, retry=fast_retry)
    time.sleep(0.15)
    assert len(q.peek()) == 1
    assert len(q.peek()) == 1
    assert len(q.receive(16, 0)) == 1


def test_missing_settings_name_the_field(ep):
    with pytest.raises(CloudError) as exc:
        ReportQueue(ep.aliyun_settings(), "")
    assert exc.value.field == "report_queue"
    with pytest.raises(CloudError) as exc:
        ReportQueue(replace(ep.aliyun_settings(queue_mode="own"), mns_endpoint=None), "q")
    assert exc.value.field == "mns_endpoint"
