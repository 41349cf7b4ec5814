"""Sends gathered into groups (services/gathering.py, ``SendService.send_group``): one
transaction for the group, one SendBatchSms for the sends that can share it, each send
decided and answered on its own. Real sandbox, real SDK; SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.services.errors import Refused
from smsconsole.services.gathering import MAX_WEIGHT, SLOW_CALL, Gatherer
from smsconsole.services.reconcile import Reconciler
from smsconsole.services.risk import RiskRefused
from smsconsole.services.sending import SendOutcome, SendRequest
from smsconsole.store.models import (
    DeliveryStatus,
    Holding,
    SendRecord,
    SendTask,
    SmsType,
    TaskStatus,
)
from tests import factories as f
from tests.consistency import assert_consistent, assert_matches_sandbox
from tests.services.cloudseed import sender
from tests.services.test_reconcile import (  # noqa: F401 - rsvc is a fixture
    LATE,
    NOW,
    by_status,
    drain,
    rsvc,
    task_status,
    wait_sandbox,
)
from tests.services.test_sending import params_for


def gw(svc, who, phones, kind=SmsType.NOTIFICATION, **kw) -> SendRequest:
    """A gateway send (it keeps the BizId it answers)."""
    tid = who.templates[kind]
    return SendRequest(who.user_id, tid, who.sign_name, phones, params_for(svc, tid),
                       gateway=True, **kw)


def records(svc, task_id) -> list:
    with svc.store.read() as s:
        return s.execute(select(SendRecord.phone, SendRecord.out_id, SendRecord.biz_id,
                                SendRecord.status)
                         .where(SendRecord.task_id == task_id)
                         .order_by(SendRecord.id)).all()


def calls(box) -> tuple[int, int]:
    """(SendBatchSms, SendSms) requests the sandbox got."""
    return (sbc.request_count(box.endpoints, "sms", "SendBatchSms"),
            sbc.request_count(box.endpoints, "sms", "SendSms"))


def used(svc, user_id) -> int:
    with svc.store.read() as s:
        return s.scalar(select(func.coalesce(func.sum(Holding.used), 0))
                        .where(Holding.user_id == user_id))


class Replayed(Exception):
    pass


def replayed(_db) -> None:
    raise Replayed


def test_a_group_is_one_send_batch_sms_each_send_decided_and_answered_on_its_own(wsvc, box):
    svc = wsvc
    a, b, poor = (sender(svc, svc.admin) for _ in range(3))
    f.quota(svc, svc.admin, a.user_id, 100)
    f.quota(svc, svc.admin, b.user_id, 100)
    reqs = [gw(svc, a, ["13700000001"], out_id="a-1"), gw(svc, b, ["13700000002", "13700000003"]),
            gw(svc, poor, ["13700000004"]),  # no quota at all
            gw(svc, a, ["13700000005"], check=replayed),  # the gateway's nonce check
            gw(svc, a, ["13700000006"])]
    with svc.store.read() as s:
        tasks_before = s.scalar(select(func.count()).select_from(SendTask))
    out = svc.sending.send_group(reqs)
    assert isinstance(out[2], Refused) and out[2].key == "error.send.quota"
    assert isinstance(out[3], Replayed)
    sent = [out[0], out[1], out[4]]
    assert all(isinstance(o, SendOutcome) and o.status == TaskStatus.SUBMITTED for o in sent)
    # One SendBatchSms for the three sends (one template, no number twice), no SendSms.
    assert calls(box) == (1, 0)
    upstream = {o.biz_ids[0] for o in sent}
    assert len(upstream) == 1
    # Each send answers a BizId of its own (the customer's), kept on its task; the
    # call's is on the records, which all carry the call's OutId.
    answered = [o.task_biz_id for o in sent]
    assert len(set(answered)) == 3 and not upstream & set(answered)
    rows = [r for o in sent for r in records(svc, o.task_id)]
    assert sorted(r.phone for r in rows) == ["13700000001", "13700000002", "13700000003",
                                             "13700000006"]
    assert len({r.out_id for r in rows}) == 1 and rows[0].out_id.startswith("sg.")
    assert {r.biz_id for r in rows} == upstream
    with svc.store.read() as s:
        assert s.scalar(select(func.count()).select_from(SendTask)) == tasks_before + 3
        assert dict(s.execute(select(SendTask.id, SendTask.biz_id).where(
            SendTask.id.in_([o.task_id for o in sent]))).all()) == {
            o.task_id: o.task_biz_id for o in sent}
        assert s.scalar(select(SendTask.out_id).where(SendTask.id == out[0].task_id)) == "a-1"
    # The refused sends wrote and charged nothing.
    assert used(svc, poor.user_id) == 0 and used(svc, a.user_id) == 2
    assert used(svc, b.user_id) == 2
    state = sbc.state(box.endpoints)
    assert {(m["phone"], m["out_id"]) for m in state["messages"]} == {
        (r.phone, rows[0].out_id) for r in rows}
    drain(svc, box)
    assert assert_matches_sandbox(svc, sbc.state(box.endpoints)) == 4
    assert_consistent(svc)


def test_a_number_twice_or_another_template_has_a_call_of_its_own(wsvc, box):
    svc = wsvc
    a, b = sender(svc, svc.admin), sender(svc, svc.admin)
    for who in (a, b):
        f.quota(svc, svc.admin, who.user_id, 100)
        f.quota(svc, svc.admin, who.user_id, 100, SmsType.VERIFICATION)
    out = svc.sending.send_group([
        gw(svc, a, ["13700000001"]), gw(svc, b, ["13700000002"]),
        gw(svc, b, ["13700000001"]),  # the same number: a report could not tell them apart
        gw(svc, a, ["13700000009"], SmsType.VERIFICATION)])
    assert all(o.status == TaskStatus.SUBMITTED for o in out)
    assert calls(box) == (1, 2)
    out_ids = [records(svc, o.task_id)[0].out_id for o in out]
    assert out_ids[0] == out_ids[1] and len(set(out_ids)) == 3
    # A send alone in its call answers the call's BizId, as a send made on its own does.
    assert out[2].task_biz_id == out[2].biz_ids[0] != out[0].biz_ids[0]
    assert out[3].task_biz_id == out[3].biz_ids[0]


def test_a_refused_shared_call_is_made_again_per_send_for_its_own_answer(wsvc, box):
    """SendBatchSms refused as a whole sent nothing: each send then goes on its own, so
    one customer's refusal is not another's; a send the cloud refuses is refunded."""
    svc = wsvc
    a, b = sender(svc, svc.admin), sender(svc, svc.admin)
    f.quota(svc, svc.admin, a.user_id, 100)
    f.quota(svc, svc.admin, b.user_id, 100)
    sbc.inject_fault(box.endpoints, "sms", "SendBatchSms", kind="error", status=200,
                     code="isv.BUSINESS_LIMIT_CONTROL", message="触发分钟级流控")
    sbc.inject_fault(box.endpoints, "sms", "SendSms", kind="error", status=200,
                     code="isv.BUSINESS_LIMIT_CONTROL", message="触发分钟级流控")
    out = svc.sending.send_group([gw(svc, a, ["13700000001"]), gw(svc, b, ["13700000002"])])
    assert calls(box) == (1, 2)
    refused, ok = out
    assert refused.status == TaskStatus.REJECTED
    assert refused.result_code == "isv.BUSINESS_LIMIT_CONTROL" and not refused.task_biz_id
    assert records(svc, refused.task_id)[0].status == DeliveryStatus.FAILED
    assert used(svc, a.user_id) == 0  # given back
    assert ok.status == TaskStatus.SUBMITTED and ok.task_biz_id == ok.biz_ids[0]
    assert records(svc, ok.task_id)[0].biz_id == ok.biz_ids[0]
    assert used(svc, b.user_id) == 1
    assert_consistent(svc)


def test_a_group_counts_its_own_sends_against_a_day_limit(wsvc, box):
    """A group writes its daily rollups once, at the end of its transaction; risk
    control's day limit still counts the group's earlier sends of the same customer."""
    svc = wsvc
    a = sender(svc, svc.admin)
    f.quota(svc, svc.admin, a.user_id, 100)
    svc.risk.set_customer_limits(svc.admin, a.user_id, 3, "")
    out = svc.sending.send_group([gw(svc, a, ["13700000001", "13700000002"]),
                                  gw(svc, a, ["13700000003", "13700000004"]),
                                  gw(svc, a, ["13700000005"])])
    assert out[0].refused == {}
    assert out[1].accepted == 1 and set(out[1].refused.values()) == {"isv.DAY_LIMIT_CONTROL"}
    assert isinstance(out[2], RiskRefused) and out[2].code == "isv.DAY_LIMIT_CONTROL"
    assert used(svc, a.user_id) == 3
    assert_consistent(svc)  # the rollups equal a recount of the records


def test_sends_arriving_while_a_group_is_written_join_it_on_sqlite(wsvc, box):
    """``more()``: sends that came while the group was being written go in the same
    transaction and the same SendBatchSms. Not on PostgreSQL, where joining late would
    take row locks out of the group's order."""
    svc = wsvc
    a, b = sender(svc, svc.admin), sender(svc, svc.admin)
    f.quota(svc, svc.admin, a.user_id, 100)
    f.quota(svc, svc.admin, b.user_id, 100)
    late = [gw(svc, a, ["13700000003"]), gw(svc, b, ["13700000002"])]
    asked = []

    def more():
        asked.append(len(late))
        return [late.pop()] if late else []

    out = svc.sending.send_group([gw(svc, b, ["13700000001"])], more=more)
    if not svc.store.is_sqlite:
        assert asked == [] and len(out) == 1 and calls(box) == (0, 1)
        return
    assert asked == [2, 1, 0] and len(out) == 3
    assert all(o.status == TaskStatus.SUBMITTED for o in out)
    assert calls(box) == (1, 0)  # the three in one SendBatchSms
    assert len({o.task_biz_id for o in out}) == 3
    assert [records(svc, o.task_id)[0].phone for o in out] == [
        "13700000001", "13700000002", "13700000003"]
    assert used(svc, a.user_id) == 1 and used(svc, b.user_id) == 2
    drain(svc, box)
    assert assert_matches_sandbox(svc, sbc.state(box.endpoints)) == 3


@pytest.mark.parametrize("fault", ["delay", "drop"])
def test_a_shared_call_whose_answer_is_lost_is_settled_by_the_reconciler(rsvc, fault):  # noqa: F811
    """The answer of a SendBatchSms is lost: every send in it is unknown, stays charged,
    and the reconciler asks the cloud by the shared OutId: sent (delay) or refunded
    (drop), each exactly once."""
    svc, box, _, _ = rsvc
    a, b = sender(svc, svc.admin), sender(svc, svc.admin)
    f.quota(svc, svc.admin, a.user_id, 20)
    f.quota(svc, svc.admin, b.user_id, 20)
    sbc.inject_fault(box.endpoints, "sms", "SendBatchSms", kind=fault, seconds=LATE)
    out = svc.sending.send_group([gw(svc, a, f.phones(3, 10)), gw(svc, b, f.phones(2, 20))])
    assert [o.status for o in out] == [TaskStatus.UNKNOWN] * 2
    assert all(o.task_biz_id for o in out)  # answered: an error would invite a resend
    assert by_status(svc) == {DeliveryStatus.UNKNOWN: 5}
    assert used(svc, a.user_id) + used(svc, b.user_id) == 5
    if fault == "delay":
        wait_sandbox(box, 5)
    result = Reconciler(svc.ctx, svc.cloud).run(**NOW)
    assert (result.sent, result.not_sent) == ((5, 0) if fault == "delay" else (0, 5))
    assert {task_status(svc, o.task_id) for o in out} == {
        TaskStatus.SUBMITTED if fault == "delay" else TaskStatus.REJECTED}
    drain(svc, box)
    messages = sbc.state(box.endpoints)["messages"]
    assert len(messages) == (5 if fault == "delay" else 0)
    assert assert_matches_sandbox(svc, {"messages": messages}) == len(messages)
    counts = assert_consistent(svc)  # holdings equal a recount: refunded exactly once
    assert counts[DeliveryStatus.UNKNOWN] == counts[DeliveryStatus.PENDING] == 0
    if fault == "drop":
        assert used(svc, a.user_id) == used(svc, b.user_id) == 0


def test_concurrent_callers_are_gathered_and_each_gets_its_own_result():
    """The first caller leads; those arriving while its group is being written wait and
    go as the next group, led by one of them; each result (or refusal) reaches its own
    caller, and an error of the whole group reaches every caller in it."""
    groups: list[list] = []
    first_in = threading.Event()
    release = threading.Event()

    def send_group(reqs, written, more):
        groups.append(list(reqs))
        if len(groups) == 1:
            first_in.set()
            assert release.wait(10)
        written()
        if "boom" in reqs:
            raise RuntimeError("database away")
        return [ValueError(r) if r.startswith("bad") else r.upper() for r in reqs]

    g = Gatherer(send_group)
    results: dict[str, object] = {}

    def caller(req):
        try:
            results[req] = g.send(req)
        except Exception as exc:  # noqa: BLE001 - what the caller got
            results[req] = exc

    lead = threading.Thread(target=caller, args=("first",))
    lead.start()
    assert first_in.wait(10)
    others = [threading.Thread(target=caller, args=(r,)) for r in ("a", "bad-b", "c")]
    for t in others:
        t.start()
    deadline = time.monotonic() + 10
    while len(g._waiting) < 3 and time.monotonic() < deadline:  # all three queued
        time.sleep(0.01)
    release.set()
    for t in [lead, *others]:
        t.join(10)
    assert groups[0] == ["first"] and sorted(groups[1]) == ["a", "bad-b", "c"]
    assert len(groups) == 2
    assert results["first"] == "FIRST" and results["a"] == "A" and results["c"] == "C"
    assert isinstance(results["bad-b"], ValueError)
    # Alone, a caller is a group of one at once; a group's error reaches each caller.
    assert g.send("alone") == "ALONE" and groups[-1] == ["alone"]
    with pytest.raises(RuntimeError, match="database away"):
        g.send("boom")


def test_a_group_slow_in_the_cloud_does_not_hold_up_the_next():
    """A group's cloud calls hold up the next group for ``SLOW_CALL`` at most: then the
    next caller leads and finishes a group of its own while the slow call goes on."""
    slow = threading.Event()
    calling = threading.Event()

    def send_group(reqs, written, more):
        written()
        if reqs == ["slow"]:
            calling.set()
            assert slow.wait(20)
        return [r.upper() for r in reqs]

    g = Gatherer(send_group)
    got: dict[str, object] = {}
    first = threading.Thread(target=lambda: got.update(slow=g.send("slow")))
    first.start()
    assert calling.wait(10)
    started = time.monotonic()
    second = threading.Thread(target=lambda: got.update(quick=g.send("quick")))
    second.start()
    second.join(10)
    assert got == {"quick": "QUICK"}
    assert time.monotonic() - started >= SLOW_CALL * 0.9  # it did wait for the slow call
    slow.set()
    first.join(10)
    assert got == {"quick": "QUICK", "slow": "SLOW"}


def test_a_group_is_bounded_by_its_numbers():
    """Big sends waiting do not make one long transaction: a group takes requests up to
    MAX_WEIGHT numbers (one at least, however big), the longest waiting first."""
    groups: list[list] = []
    release = threading.Event()

    def send_group(reqs, written, more):
        groups.append(list(reqs))
        if len(groups) == 1:
            assert release.wait(10)
        written()
        return [len(r) for r in reqs]

    g = Gatherer(send_group, weight=len)
    first = threading.Thread(target=g.send, args=("x",))
    first.start()
    deadline = time.monotonic() + 10
    while not groups and time.monotonic() < deadline:
        time.sleep(0.01)
    big, small = "b" * (MAX_WEIGHT - 10), "s" * 20
    waiting = [threading.Thread(target=g.send, args=(r,)) for r in (big, small, "t" * 5)]
    for t in waiting:
        t.start()
        while len(g._waiting) < waiting.index(t) + 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    release.set()
    for t in [first, *waiting]:
        t.join(10)
    assert [[len(r) for r in grp] for grp in groups] == [[1], [MAX_WEIGHT - 10], [20, 5]]
    assert g.send("h" * (MAX_WEIGHT + 1)) == MAX_WEIGHT + 1  # alone, however big


def test_callers_arriving_while_a_group_is_written_join_it_within_its_bounds():
    """``more()`` takes the callers waiting into the group being written (each gets its
    own result from it), up to MAX_WEIGHT numbers: one that does not fit waits for the
    next group, and so do those behind it."""
    groups: list[list] = []
    release = threading.Event()

    def send_group(reqs, written, more):
        groups.append(reqs)
        if len(groups) == 1:
            assert release.wait(10)
            reqs = reqs + more()
            assert more() == []  # nobody else came
            groups[0] = reqs
        written()
        return [len(r) for r in reqs]

    g = Gatherer(send_group, weight=len)
    got: dict[str, object] = {}
    first = threading.Thread(target=lambda: got.update(first=g.send("f" * 100)))
    first.start()
    deadline = time.monotonic() + 10
    while not groups and time.monotonic() < deadline:
        time.sleep(0.01)
    names = {"a": "a" * 10, "b": "b" * 20, "big": "B" * (MAX_WEIGHT - 120), "c": "c"}
    callers = []
    for name, req in names.items():
        callers.append(threading.Thread(target=lambda n=name, r=req: got.update({n: g.send(r)})))
        callers[-1].start()
        while len(g._waiting) < len(callers) and time.monotonic() < deadline:
            time.sleep(0.01)
    release.set()
    for t in [first, *callers]:
        t.join(10)
    assert [len(r) for r in groups[0]] == [100, 10, 20]  # "big" would pass MAX_WEIGHT
    assert [len(r) for r in groups[1]] == [MAX_WEIGHT - 120, 1]
    assert got == {"first": 100, "a": 10, "b": 20, "big": MAX_WEIGHT - 120, "c": 1}


def test_many_callers_each_get_their_own_result_and_nobody_is_left_waiting():
    """Sixteen threads sending at once, groups of every size, some groups failing and
    some slow enough for the next caller to lead past them: every caller is answered
    once, with its own result, and no one waits for ever (each caller sleeps on a lock
    of its own and is woken to lead or with its result)."""
    import random

    rng = random.Random(7)
    lock = threading.Lock()
    sizes: list[int] = []

    def send_group(reqs, written, more):
        with lock:
            delay = rng.random()
        if delay < 0.5:
            reqs = reqs + more()
        written()
        with lock:
            sizes.append(len(reqs))
        if delay > 0.97:
            time.sleep(SLOW_CALL * 1.5)  # slow in the cloud: the next caller leads past it
        else:
            time.sleep(delay / 1000)
        if delay < 0.05:
            raise RuntimeError("the database is away")
        return [(req, "ok") for req in reqs]

    g = Gatherer(send_group)
    answers: dict[tuple, object] = {}

    def caller(t: int) -> None:
        for i in range(40):
            try:
                got = g.send((t, i))
            except RuntimeError as exc:
                got = exc
            with lock:
                answers[(t, i)] = got

    threads = [threading.Thread(target=caller, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a caller was left waiting"
    assert len(answers) == 16 * 40
    for key, got in answers.items():
        assert isinstance(got, RuntimeError) or got == (key, "ok")
    assert sum(sizes) == 16 * 40 and max(sizes) > 1  # every request in exactly one group
    assert not g._waiting and g._leader is None
