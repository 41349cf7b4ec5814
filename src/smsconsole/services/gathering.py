"""Concurrent sends gathered into groups (the gateway's hot path).

Every send costs a write transaction before its cloud call and one after it, and the
cloud call itself (the official SDK: about as much CPU again as the rest). When many
customers' requests arrive at once, each of them paying for all three is what limits
the gateway. ``Gatherer.send`` lets a caller *lead*: it takes every request waiting and
sends them as one group (``SendService.send_group``: one transaction for all of them,
one SendBatchSms for those that can share it, one transaction for the results), handing
each caller its own result; callers arriving meanwhile wait, and one of them leads the
next group. A caller alone is a group of one at once: nothing waits on a timer, and a
quiet gateway sends as before.

A slow cloud call must not hold up the sends that are not in it: once a group is
written and its cloud calls have taken ``SLOW_CALL``, the next caller waiting leads the
next group without waiting for them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

MAX_GROUP = 64  # requests in one transaction
MAX_WEIGHT = 2000  # and their weight (numbers): a group's transaction stays short
SLOW_CALL = 0.25  # seconds a group's cloud calls may hold up the next group


@dataclass
class _Ticket:
    req: object
    sent: threading.Event | None = None  # its group's, once taken: set when it is sent
    value: object = None


class Gatherer:
    def __init__(self, send_group, weight=lambda _req: 1) -> None:
        """``send_group(requests, written) -> [outcome or exception, ...]``, in order;
        it calls ``written()`` once the group is written, before its cloud calls.
        ``weight(request)``: its share of ``MAX_WEIGHT`` (a group takes one at least)."""
        self._send_group = send_group
        self._weight = weight
        self._cv = threading.Condition()  # the callers not in a group yet: who leads
        self._waiting: list[_Ticket] = []
        self._leader: object | None = None  # the leading group's token
        self._calling_since: float | None = None  # the leading group's cloud calls began

    def send(self, req):
        """``req``'s outcome, sent with whatever arrived with it; its refusal raised."""
        ticket = _Ticket(req)
        with self._cv:
            self._waiting.append(ticket)
        while ticket.sent is None:
            with self._cv:
                while ticket.sent is None and self._leader is not None:
                    if self._calling_since is None:
                        self._cv.wait()
                        continue
                    left = self._calling_since + SLOW_CALL - time.monotonic()
                    if left <= 0:
                        break  # the leading group is stuck in the cloud: lead past it
                    self._cv.wait(left)
                if ticket.sent is not None:
                    break
                token = self._leader = object()
                self._calling_since = None
                group = self._take()
                sent = threading.Event()
                for t in group:
                    t.sent = sent
            self._run(group, sent, token)
        ticket.sent.wait()
        if isinstance(ticket.value, BaseException):
            raise ticket.value
        return ticket.value

    def _take(self) -> list[_Ticket]:
        """The next group: the longest waiting, up to ``MAX_GROUP`` and ``MAX_WEIGHT``."""
        total = 0
        count = 0
        for ticket in self._waiting[:MAX_GROUP]:
            total += self._weight(ticket.req)
            if count and total > MAX_WEIGHT:
                break
            count += 1
        group = self._waiting[:count]
        del self._waiting[:count]
        return group

    def _run(self, group: list[_Ticket], sent: threading.Event, token: object) -> None:
        """Send ``group``, led by this thread (``token``)."""
        def written() -> None:
            with self._cv:
                if self._leader is token:
                    self._calling_since = time.monotonic()
                    self._cv.notify_all()  # waiters start their SLOW_CALL clock

        values: list = [RuntimeError("the send was interrupted")] * len(group)
        try:
            values = self._send_group([t.req for t in group], written)
        except Exception as exc:  # noqa: BLE001 - every caller of the group learns it
            values = [exc] * len(group)
        finally:
            for ticket, value in zip(group, values, strict=True):
                ticket.value = value
            with self._cv:
                if self._leader is token:
                    self._leader = self._calling_since = None
                    self._cv.notify_all()
            sent.set()
