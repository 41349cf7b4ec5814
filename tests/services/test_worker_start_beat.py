"""The worker's health row is written when it starts, not only after its first poll
(issue 18, item 12: home said "none running" for a while after each login)."""

from __future__ import annotations

from sqlalchemy import select

from smsconsole.services.worker import ReportWorker
from smsconsole.store.models import WorkerStatus


def test_health_row_exists_before_the_first_poll(wsvc):
    worker = ReportWorker(wsvc, wait_seconds=0)
    seen: list[list[WorkerStatus]] = []

    def first_poll(kind, **_kw):  # stands in for the loop: look at the table, then stop
        with wsvc.store.read() as s:
            seen.append([(w.worker_id, w.stopped) for w in s.scalars(select(WorkerStatus))])
        worker.stop()

    worker.run_queue = first_poll
    worker.run(kinds=("report",))
    assert seen == [[(worker.worker_id, False)]]
    assert worker.began.is_set()
