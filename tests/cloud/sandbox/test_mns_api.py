"""The sandbox's MNS queues, driven by aliyun-mns-sdk 1.3.0 (no adapter)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from alibabacloud_dybaseapi20170525 import models as bm
from alibabacloud_dybaseapi20170525.client import Client as DybaseClient
from alibabacloud_tea_openapi.utils_models import Config
from mns.account import Account
from mns.mns_exception import MNSServerException
from mns.queue import Message, QueueMeta

from smsconsole.cloud.sandbox import client as sbc

# get_attributes() reads its own deprecated properties (SDK quirk B.7.6).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:mns.*")


def account(ep, secret=None):
    return Account(ep.mns, ep.access_key_id, secret or ep.access_key_secret)


def token(ep, message_type="SmsReport", queue=None):
    c = DybaseClient(Config(access_key_id=ep.access_key_id,
                            access_key_secret=ep.access_key_secret,
                            endpoint=ep.sms_host, protocol="http"))
    return c.query_token_for_mns_queue(bm.QueryTokenForMnsQueueRequest(
        message_type=message_type, queue_name=queue)).body.message_token_dto


@pytest.fixture
def queue(ep):
    """A short-visibility queue of our own (``own`` mode style)."""
    acc = account(ep)
    meta = QueueMeta()
    meta.set_visibilitytimeout(1)
    q = acc.get_queue("TestQueue")
    q.create(meta)
    return q


def put(q, *texts):
    for t in texts:
        q.send_message(Message(t))


def test_queue_attributes_and_create_semantics(ep, queue):
    attrs = queue.get_attributes()
    assert attrs.visibility_timeout == 1 and attrs.polling_wait_seconds == 0
    assert attrs.logging_enabled is False or attrs.logging_enabled == "False"
    again = QueueMeta()
    again.set_visibilitytimeout(1)
    queue.create(again)  # same attributes: fine (204 with Location)
    other = QueueMeta()
    other.set_visibilitytimeout(5)
    with pytest.raises(MNSServerException) as exc:
        queue.create(other)
    assert exc.value.type == "QueueAlreadyExist"
    with pytest.raises(MNSServerException) as exc:
        account(ep).get_queue("NoSuchQueue").get_attributes()
    assert exc.value.type == "QueueNotExist" and exc.value.request_id


def test_visibility_timeout_redelivers_with_new_handle(queue):
    put(queue, "hello")
    first = queue.receive_message(0)
    assert first.message_body == b"hello" and first.dequeue_count == 1
    assert first.next_visible_time - first.first_dequeue_time == 1000
    with pytest.raises(MNSServerException):
        queue.receive_message(0)  # invisible now
    time.sleep(1.1)
    second = queue.receive_message(0)
    assert second.message_id == first.message_id
    assert second.dequeue_count == 2 and second.receipt_handle != first.receipt_handle
    assert second.first_dequeue_time == first.first_dequeue_time
    with pytest.raises(MNSServerException) as exc:
        queue.delete_message(first.receipt_handle)  # stale handle
    assert exc.value.type == "MessageNotExist"
    queue.delete_message(second.receipt_handle)
    with pytest.raises(MNSServerException):
        queue.peek_message()


def test_change_visibility_gives_new_handle(queue):
    put(queue, "x")
    msg = queue.receive_message(0)
    resp = queue.change_message_visibility(msg.receipt_handle, 10)
    assert resp.receipt_handle != msg.receipt_handle
    assert isinstance(resp.next_visible_time, str)  # the SDK's quirk
    with pytest.raises(MNSServerException) as exc:
        queue.delete_message(msg.receipt_handle)
    assert exc.value.type == "MessageNotExist"
    back = queue.change_message_visibility(resp.receipt_handle, 0)
    again = queue.receive_message(0)
    assert again.dequeue_count == 2
    queue.delete_message(again.receipt_handle)
    assert back.receipt_handle != again.receipt_handle


def test_partial_batch_delete_reports_sub_errors(queue):
    put(queue, "a", "b")
    msgs = queue.batch_receive_message(16, 0)
    assert len(msgs) == 2
    handles = [m.receipt_handle for m in msgs] + ["1-bogusHandle"]
    with pytest.raises(MNSServerException) as exc:
        queue.batch_delete_message(handles)
    assert exc.value.type == "MessageNotExist"
    assert [e["ReceiptHandle"] for e in exc.value.sub_errors] == ["1-bogusHandle"]
    assert exc.value.request_id  # read from the lower-case x-mns-request-id header
    with pytest.raises(MNSServerException):
        queue.peek_message()  # the two good ones were deleted


def test_long_poll_returns_when_a_message_arrives(ep, queue):
    threading.Timer(0.3, lambda: put(account(ep).get_queue("TestQueue"), "late")).start()
    t0 = time.monotonic()
    msgs = queue.batch_receive_message(16, 5)
    waited = time.monotonic() - t0
    assert [m.message_body for m in msgs] == [b"late"]
    assert 0.25 < waited < 2.0


def test_long_poll_times_out_with_message_not_exist(queue):
    t0 = time.monotonic()
    with pytest.raises(MNSServerException) as exc:
        queue.batch_receive_message(16, 1)
    assert exc.value.type == "MessageNotExist"
    assert 0.9 < time.monotonic() - t0 < 2.0


@pytest.mark.parametrize(("n", "wait"), [(17, 0), (0, 0), (1, 31)])
def test_out_of_range_arguments(queue, n, wait):
    with pytest.raises(MNSServerException) as exc:
        queue.batch_receive_message(n, wait)
    assert exc.value.type == "InvalidArgument"


def test_peek_does_not_consume(queue):
    put(queue, "p1", "p2")
    peeked = queue.batch_peek_message(16)
    assert sorted(m.message_body for m in peeked) == [b"p1", b"p2"]
    assert all(m.dequeue_count == 0 for m in peeked)
    assert len(queue.batch_receive_message(16, 0)) == 2


def test_raw_mode_round_trip(queue):
    queue.set_encoding(False)
    put(queue, "<a>&b</a>")
    msg = queue.receive_message(0)
    assert msg.message_body == "<a>&b</a>"


def test_wrong_secret_and_unknown_key(ep):
    with pytest.raises(MNSServerException) as exc:
        account(ep, secret="wrong").get_queue(ep.report_queue).batch_receive_message(16, 0)
    assert exc.value.type == "SignatureDoesNotMatch"
    with pytest.raises(MNSServerException) as exc:
        Account(ep.mns, "nobody", "x").get_queue(ep.report_queue).peek_message()
    assert exc.value.type == "InvalidAccessKeyId"


def test_sts_token_is_scoped_checked_and_expires(make_sandbox):
    sb = make_sandbox(token_ttl=1.0)
    ep = sb.endpoints
    dto = token(ep)
    acc = Account(ep.mns, dto.access_key_id, dto.access_key_secret, dto.security_token)
    with pytest.raises(MNSServerException) as exc:
        acc.get_queue(ep.report_queue).batch_receive_message(16, 0)
    assert exc.value.type == "MessageNotExist"  # authorised, just empty
    with pytest.raises(MNSServerException) as exc:
        acc.get_queue(ep.reply_queue).peek_message()
    assert exc.value.type == "AccessDenied"  # the token is for the report queue only
    bad = Account(ep.mns, dto.access_key_id, dto.access_key_secret, "CAISforged")
    with pytest.raises(MNSServerException) as exc:
        bad.get_queue(ep.report_queue).peek_message()
    assert exc.value.type == "AccessDenied"
    time.sleep(1.1)
    with pytest.raises(MNSServerException) as exc:
        acc.get_queue(ep.report_queue).peek_message()
    assert exc.value.type == "SecurityTokenExpired"


def test_injected_mns_errors_use_the_xml_error_format(ep, queue):
    sbc.inject_fault(ep, "mns", "BatchReceiveMessage", kind="http500")
    with pytest.raises(MNSServerException) as exc:
        queue.batch_receive_message(16, 0)
    assert exc.value.type == "InternalError" and exc.value.host_id
    sbc.inject_fault(ep, "mns", "*", kind="error", status=403, code="AccessDenied")
    with pytest.raises(MNSServerException) as exc:
        queue.peek_message()
    assert exc.value.type == "AccessDenied"
    counts = sbc.faults(ep)
    assert counts["requests"]["mns:BatchReceiveMessage"] == 1
    assert counts["fired"]["mns:PeekMessage"] == 1


def test_receive_and_delete_every_report_with_the_sdk(make_sandbox):
    """An end-to-end consumer (SDK batch receive 16 + batch delete, JSON decode) gets
    each report once and leaves the queue empty. Its speed is measured in
    ``bench/ingest.py`` (ingest.end_to_end_mns), not here: a test does not depend on
    the machine's speed."""
    sb = make_sandbox(report_delay=0.0)
    ep = sb.endpoints
    from alibabacloud_dysmsapi20170525 import models as m
    from alibabacloud_dysmsapi20170525.client import Client

    c = Client(Config(access_key_id=ep.access_key_id, access_key_secret=ep.access_key_secret,
                      endpoint=ep.sms_host, protocol="http"))
    total = 2000
    sent = set()
    for i in range(total // 1000):
        phones = [f"139{i:02d}{j:06d}" for j in range(1000)]
        sent.update(phones)
        r = c.send_sms(m.SendSmsRequest(
            phone_numbers=",".join(phones),
            sign_name="速达科技", template_code="SMS_100000004",
            template_param='{"name":"a","order":"b"}'))
        assert r.body.code == "OK"
    dto = token(ep)
    q = Account(ep.mns, dto.access_key_id, dto.access_key_secret,
                dto.security_token).get_queue(ep.report_queue)
    received: list[str] = []
    empty_polls = 0
    while len(received) < total and empty_polls < 5:  # bounded: a lost report fails
        try:
            msgs = q.batch_receive_message(16, 1)
        except MNSServerException as exc:
            assert exc.type == "MessageNotExist", exc
            empty_polls += 1
            continue
        for msg in msgs:
            received.append(json.loads(msg.message_body)["phone_number"])
        q.batch_delete_message([msg.receipt_handle for msg in msgs])
    assert len(received) == total and set(received) == sent
    assert sbc.state(ep, summary=True)["queues"][ep.report_queue]["visible"] == 0
