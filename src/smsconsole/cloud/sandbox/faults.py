"""Injected faults for the next N requests of an action, and request counters.

A fault is ``{"service": "sms"|"mns"|"alipay", "action": "SendSms"|"*", "count": N,
"kind": ...}`` with kind one of:

* ``http500`` — the service's 500 InternalError answer;
* ``throttle`` — Aliyun: HTTP 400 ``Throttling.User`` with ``x-acs-retry-after``;
  MNS (which has no retry-after header): 503 ``QpsLimitExceeded``;
* ``delay`` — sleep ``seconds`` before handling the request normally (longer than the
  client's read timeout, the request still takes effect, like a slow real service);
* ``error`` — answer ``status`` with ``code`` (and ``message``) in the service's format;
* ``drop`` — close the connection without answering.

Counters record every request that reached a service (``"sms:SendSms": 3``), before
signature checks, so tests can count the adapters' attempts.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass

KINDS = ("http500", "throttle", "delay", "error", "drop")


@dataclass
class Fault:
    service: str
    action: str
    count: int
    kind: str
    seconds: float = 0.0
    status: int = 500
    code: str = ""
    message: str = ""
    retry_after: int = 1
    fired: int = 0

    def matches(self, service: str, action: str) -> bool:
        return self.service == service and self.action in ("*", action)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self.requests: Counter[str] = Counter()
        self.fired: Counter[str] = Counter()

    def add(self, spec: dict) -> Fault:
        kind = spec.get("kind", "")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if spec.get("service") not in ("sms", "mns", "alipay"):
            raise ValueError("service must be sms, mns or alipay")
        fault = Fault(
            service=spec["service"],
            action=str(spec.get("action", "*")),
            count=int(spec.get("count", 1)),
            kind=kind,
            seconds=float(spec.get("seconds", 0.0)),
            status=int(spec.get("status", 500)),
            code=str(spec.get("code", "")),
            message=str(spec.get("message", "")),
            retry_after=int(spec.get("retry_after", 1)),
        )
        with self._lock:
            self._pending.append(fault)
        return fault

    def hit(self, service: str, action: str) -> Fault | None:
        """Count a request; return the fault to apply to it, if any."""
        with self._lock:
            self.requests[f"{service}:{action}"] += 1
            for fault in self._pending:
                if fault.matches(service, action) and fault.fired < fault.count:
                    fault.fired += 1
                    self.fired[f"{service}:{action}"] += 1
                    if fault.fired >= fault.count:
                        self._pending.remove(fault)
                    return fault
        return None

    def clear(self, counters: bool = True) -> None:
        with self._lock:
            self._pending.clear()
            if counters:
                self.requests.clear()
                self.fired.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "pending": [asdict(f) for f in self._pending],
                "requests": dict(self.requests),
                "fired": dict(self.fired),
            }
