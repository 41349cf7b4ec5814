"""``smsconsole worker``: the report worker (``services.worker``) as a command, with
what it prints (its start, its health every minute and at the end, why it failed).
"""

from __future__ import annotations

import signal
import sys
import threading

from smsconsole.services import build
from smsconsole.services.worker import ReportWorker, queues_configured


def run_worker(cfg, *, once: bool = False, max_seconds: float | None = None) -> int:
    """Consume both queues until SIGTERM/SIGINT (or drained, with ``once``), printing
    the start, the health every minute and at the end; 1 when messages stay queued."""
    services = build(cfg.db_url, cfg.data_dir)
    try:
        if not queues_configured(services):
            print("smsconsole: no queue names configured (AK 管理): nothing to consume",
                  flush=True)
            return 1
        worker = ReportWorker(services)

        def on_signal(signum, _frame):
            print(f"signal {signum}: finishing the batch in hand", flush=True)
            worker.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        printer_stop = threading.Event()

        def print_health():
            while not printer_stop.wait(60):
                print(worker.health.line(), flush=True)

        printer = threading.Thread(target=print_health, daemon=True)
        printer.start()
        print(f"worker {worker.worker_id} started", flush=True)
        worker.run(once=once, max_seconds=max_seconds)
        printer_stop.set()
        print(worker.health.line(), flush=True)
        if worker.failed:
            why = (f"{worker.undrained} received messages could not be applied and stay "
                   "queued" if worker.undrained else "gave up after repeated errors")
            print(f"smsconsole: {why}: {worker.health.error}", file=sys.stderr, flush=True)
            return 1
        return 0
    finally:
        services.close()
