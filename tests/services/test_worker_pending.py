"""Early reports (``pending_report``) cannot starve: the periodic retry finds the ones
whose record exists however many never match, and those that never match are set aside
(visible) after ``PENDING_MAX_AGE``. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, insert, select

from smsconsole.services.reports import PENDING_MAX_AGE
from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import DeliveryStatus, KeptAside, PendingReport, SendRecord
from tests import factories as f
from tests.consistency import assert_consistent
from tests.services.cloudseed import sender
from tests.services.test_worker import send_many

FOREIGN = 6000


def _payload(biz, phone, ok=True):
    return json.dumps({"phone_number": phone, "success": ok, "biz_id": biz, "out_id": "",
                       "send_time": "2026-11-25 10:00:00", "report_time": "2026-11-25 10:00:05",
                       "err_code": "DELIVERED" if ok else "UNDELIV", "err_msg": "",
                       "sms_size": "1"})


def count(svc, model) -> int:
    with svc.store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_matching_report_behind_6000_unmatched_ones_is_applied_then_they_age_out(wsvc):
    svc = wsvc
    who = sender(svc, svc.admin)
    f.quota(svc, svc.admin, who.user_id, 10)
    out = send_many(svc, who, 1)[0]
    phone, biz = f.phones(1)[0], out.biz_ids[0]
    now = svc.ctx.clock.now()
    with svc.store.session() as s:  # older, foreign reports first; ours is the newest
        s.execute(insert(PendingReport), [
            dict(biz_id=f"9{i:09d}^0", phone=f"138{i:08d}",
                 payload=_payload(f"9{i:09d}^0", f"138{i:08d}"), received_at=now)
            for i in range(FOREIGN)])
        s.add(PendingReport(biz_id=biz, phone=phone, payload=_payload(biz, phone, ok=False),
                            received_at=now))
    worker = ReportWorker(svc, wait_seconds=0)
    result = worker.retry_pending()
    assert result.applied == 1 and result.pending == FOREIGN
    with svc.store.read() as s:
        rec = s.scalars(select(SendRecord)).one()
    assert rec.status == DeliveryStatus.FAILED and rec.err_code == "UNDELIV"
    assert count(svc, PendingReport) == FOREIGN and count(svc, KeptAside) == 0
    assert_consistent(svc)
    # Not yet old enough: nothing is set aside.
    svc.ctx.clock.set(now + PENDING_MAX_AGE - timedelta(minutes=1))
    worker.retry_pending()
    assert count(svc, PendingReport) == FOREIGN
    # Older than PENDING_MAX_AGE: set aside (kept, visible), in bounded passes.
    svc.ctx.clock.set(now + PENDING_MAX_AGE + timedelta(minutes=1))
    for _ in range(3):
        worker.retry_pending()
    assert count(svc, PendingReport) == 0 and count(svc, KeptAside) == FOREIGN
    assert worker.health.pending_reports == 0
    page = svc.records.kept_aside()
    assert page.rows[0].queue == "report" and "no send record" in page.rows[0].reason
    assert json.loads(page.rows[0].body)["biz_id"].startswith("9")
