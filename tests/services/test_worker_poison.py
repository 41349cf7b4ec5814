"""Poison-proof queues: a message the database refuses (a NUL in a report's err_msg or a
reply's content on PostgreSQL) or no database can store (a lone surrogate) costs only itself — the good
messages of its batch are applied, it is kept aside with the reason, the queue drains —
and ``worker --once`` exits non-zero when it could not drain. Real queues, real worker
processes, SQLite and PostgreSQL."""

from __future__ import annotations

import json

from mns.account import Account
from mns.queue import Message
from sqlalchemy import select, text

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.store.models import DeliveryStatus, KeptAside, Reply, SendRecord
from tests import factories as f
from tests.services.cloudseed import sender
from tests.services.test_worker import send_many
from tests.services.test_worker_kill import shared, worker_proc  # noqa: F401 - the fixture

NUL = "\u0000"
SURROGATE = "\ud800"


def _queue(svc, box, kind: str):
    settings = box.endpoints.aliyun_settings()
    name = settings.report_queue if kind == "SmsReport" else settings.reply_queue
    token = svc.cloud.sms().query_token_for_mns_queue(kind, name)
    queue = Account(settings.mns_endpoint, token.access_key_id, token.access_key_secret,
                    token.security_token).get_queue(name)
    queue.set_encoding(False)
    return queue, name


def report(biz, phone, ok=True, msg=""):
    return json.dumps({"phone_number": phone, "success": ok, "biz_id": biz, "out_id": "",
                       "send_time": "2026-11-25 10:00:00", "report_time": "2026-11-25 10:00:05",
                       "err_code": "DELIVERED" if ok else "UNDELIV", "err_msg": msg,
                       "sms_size": "1"})


def reply(phone, content, seq):
    return json.dumps({"phone_number": phone, "content": content, "sign_name": "",
                       "dest_code": "1", "sequence_id": str(seq),
                       "send_time": "2026-11-25 10:01:00"})


def queued(box, name) -> int:
    q = sbc.state(box.endpoints, summary=True)["queues"][name]
    return q["visible"] + q["in_flight"]


def test_bad_messages_cost_only_themselves(shared):  # noqa: F811
    svc, box, db_url, data_dir = shared
    pg = db_url.startswith("postgresql")
    sbc.configure(box.endpoints, report_delay=3600, reply_rate=0.0)  # only our messages
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 20)
    out = send_many(svc, who, 8)[0]
    biz, phones = out.biz_ids[0], f.phones(8)
    reports, rq = _queue(svc, box, "SmsReport")
    bodies = [report(biz, p, ok=i % 3 != 0) for i, p in enumerate(phones[:6])]
    bodies.insert(3, report(biz, phones[6], ok=False, msg=f"bad{NUL}byte"))
    bodies.append(report(biz, phones[7], ok=False, msg=f"half {SURROGATE} pair"))
    for body in bodies:
        reports.send_message(Message(body))
    replies, pq = _queue(svc, box, "SmsUp")
    good = [reply(phones[i], f"hello {i}", 100 + i) for i in range(4)]
    for body in good[:2] + [reply(phones[5], f"T{NUL}D", 200), reply(phones[5], SURROGATE, 201)] + good[2:]:
        replies.send_message(Message(body))
    p = worker_proc(db_url, data_dir, "--once")
    output, _ = p.communicate(timeout=120)
    assert p.returncode == 0, output
    assert queued(box, rq) == 0 and queued(box, pq) == 0  # drained, nothing left behind
    with svc.store.read() as s:
        recs = {r.phone: r for r in s.scalars(select(SendRecord))}
        kept = list(s.scalars(select(KeptAside).order_by(KeptAside.id)))
        stored = {r.content for r in s.scalars(select(Reply))}
    for i, phone in enumerate(phones[:6]):  # every good report applied
        want = DeliveryStatus.DELIVERED if i % 3 != 0 else DeliveryStatus.FAILED
        assert recs[phone].status == want, (phone, recs[phone].status)
    assert stored >= {f"hello {i}" for i in range(4)}  # every good reply stored
    # A lone surrogate is refused when read (no database can store it), on both.
    assert recs[phones[7]].status == DeliveryStatus.PENDING
    unreadable = [k for k in kept if "lone surrogate" in k.reason]
    assert sorted(k.queue for k in unreadable) == ["reply", "report"]
    # A NUL is refused by PostgreSQL only: the bad message is isolated and kept aside.
    refused = [k for k in kept if k.reason.startswith("refused by the database")]
    if pg:
        assert sorted(k.queue for k in refused) == ["reply", "report"], [
            (k.queue, k.reason) for k in kept]
        assert all("NUL" in k.reason for k in refused)
        assert recs[phones[6]].status == DeliveryStatus.PENDING
        assert f"T{NUL}D" not in stored
    else:  # SQLite stores it
        assert refused == []
        assert recs[phones[6]].status == DeliveryStatus.FAILED and f"T{NUL}D" in stored
    for k in refused + unreadable:  # the body is kept, without SQL in the reason
        assert "INSERT" not in k.reason and "UPDATE" not in k.reason and k.body
    assert svc.records.kept_aside().rows  # visible where the console lists them


def test_once_exits_non_zero_when_it_could_not_drain(shared):  # noqa: F811
    """A batch that fails for the database (here its table is gone) stays queued
    (invisible for the visibility timeout): ``--once`` must not report success."""
    svc, box, db_url, data_dir = shared
    sbc.configure(box.endpoints, reply_rate=0.0)
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 10)
    send_many(svc, who, 5)
    sbc.flush_reports(box.endpoints)
    with svc.store.session() as s:
        s.execute(text("ALTER TABLE send_record RENAME TO send_record_away"))
    try:
        p = worker_proc(db_url, data_dir, "--once")
        output, _ = p.communicate(timeout=120)
    finally:
        with svc.store.session() as s:
            s.execute(text("ALTER TABLE send_record_away RENAME TO send_record"))
    assert p.returncode == 1, output
    assert "could not be applied" in output
