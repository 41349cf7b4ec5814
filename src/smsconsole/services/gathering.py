"""Concurrent sends gathered into groups (the gateway's hot path).

Every send costs a write transaction before its cloud call and one after it, and the
cloud call itself (the official SDK: about as much CPU again as the rest). When many
customers' requests arrive at once, each of them paying for all three is what limits
the gateway. ``Gatherer.send`` lets a caller *lead*: it takes every request waiting and
sends them as one group (``SendService.send_group``: one transaction for all of them,
one SendBatchSms for those that can share it, one transaction for the results), handing
each caller its own result; callers arriving meanwhile wait, and one of them leads the
next group. A caller alone is a group of one at once: nothing waits on a timer, and a
quiet gateway sends as before. Callers arriving while a group is being written may join
it (``more``), up to the group's bounds: they would otherwise wait for its cloud calls
and go in the next one.

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
        """``send_group(requests, written, more) -> [outcome or exception, ...]``, in
        order; it calls ``written()`` once the group is written, before its cloud calls,
        and may call ``more()`` before that: the requests that arrived meanwhile, now in
        the group (their results follow those of ``requests``, in the same order).
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

    def _take(self, count: int = 0, weight: int = 0) -> list[_Ticket]:
        """The longest waiting, up to ``MAX_GROUP`` requests and ``MAX_WEIGHT`` with the
        ``count`` requests of ``weight`` a group holds already (a new one takes one at
        least)."""
        taken: list[_Ticket] = []
        for ticket in self._waiting[:max(0, MAX_GROUP - count)]:
            weight += self._weight(ticket.req)
            if (count or taken) and weight > MAX_WEIGHT:
                break
            taken.append(ticket)
        del self._waiting[:len(taken)]
        return taken

    def _run(self, group: list[_Ticket], sent: threading.Event, token: object) -> None:
        """Send ``group``, led by this thread (``token``)."""
        def written() -> None:
            with self._cv:
                if self._leader is token:
                    self._calling_since = time.monotonic()
                    self._cv.notify_all()  # waiters start their SLOW_CALL clock

        def more() -> list:
            with self._cv:
                extra = self._take(len(group), sum(self._weight(t.req) for t in group))
                for ticket in extra:
                    ticket.sent = sent
                group.extend(extra)
            return [t.req for t in extra]

        values: list = []
        try:
            values = self._send_group([t.req for t in group], written, more)
        except Exception as exc:  # noqa: BLE001 - every caller of the group learns it
            values = [exc] * len(group)
        finally:
            if len(values) != len(group):
                values = [RuntimeError("the send was interrupted")] * len(group)
            for ticket, value in zip(group, values, strict=True):
                ticket.value = value
            with self._cv:
                if self._leader is token:
                    self._leader = self._calling_since = None
                    self._cv.notify_all()
            sent.set()
