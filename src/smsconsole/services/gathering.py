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
next group without waiting for them (within ``SLOW_CALL`` more: a waiter looks again
that often).

Each caller sleeps on a lock of its own and is woken once: to lead, or with its result.
(A condition shared by every caller woke them all at each turn, most of them to find
out they had nothing to do: its notifications alone were 5-7% of the gateway's GIL time
under the bench's load.)
"""

from __future__ import annotations

import threading
import time

MAX_GROUP = 64  # requests in one transaction
MAX_WEIGHT = 2000  # and their weight (numbers): a group's transaction stays short
SLOW_CALL = 0.25  # seconds a group's cloud calls may hold up the next group


# A caller's state: in no group yet; taken into one; told to lead the next; answered.
_WAITING, _GROUPED, _LEAD, _DONE = range(4)


class _Ticket:
    """A caller's request and its result; ``wake`` is released to wake the caller."""

    __slots__ = ("req", "value", "state", "wake")

    def __init__(self, req) -> None:
        self.req = req
        self.value: object = None
        self.state = _WAITING
        self.wake = threading.Lock()
        self.wake.acquire()


class Gatherer:
    def __init__(self, send_group, weight=lambda _req: 1) -> None:
        """``send_group(requests, written, more) -> [outcome or exception, ...]``, in
        order; it calls ``written()`` once the group is written, before its cloud calls,
        and may call ``more()`` before that: the requests that arrived meanwhile, now in
        the group (their results follow those of ``requests``, in the same order).
        ``weight(request)``: its share of ``MAX_WEIGHT`` (a group takes one at least)."""
        self._send_group = send_group
        self._weight = weight
        self._lock = threading.Lock()  # guards everything below and the tickets' state
        self._waiting: list[_Ticket] = []  # callers in no group yet, longest waiting first
        self._leader: _Ticket | None = None  # the caller leading the latest group
        self._calling_since: float | None = None  # that group's cloud calls began

    def send(self, req):
        """``req``'s outcome, sent with whatever arrived with it; its refusal raised."""
        ticket = _Ticket(req)
        with self._lock:
            self._waiting.append(ticket)
            lead = self._leader is None
            if lead:
                self._leader = ticket
        while not lead:
            with self._lock:
                state, since = ticket.state, self._calling_since
            if state == _GROUPED:
                left = -1.0  # until its group is sent
            elif since is None:
                left = SLOW_CALL  # the leading group is being written: look again then
            else:
                left = max(0.0, since + SLOW_CALL - time.monotonic())
            if left:
                ticket.wake.acquire(timeout=left)
            with self._lock:
                if ticket.state == _DONE:
                    break
                if ticket.state == _LEAD:
                    lead = True
                elif (ticket.state == _WAITING and self._calling_since is not None
                      and time.monotonic() - self._calling_since >= SLOW_CALL):
                    # The leading group is stuck in the cloud: lead past it.
                    self._leader = ticket
                    self._calling_since = None
                    lead = True
        if lead:
            self._run(ticket)
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

    def _run(self, leader: _Ticket) -> None:
        """Lead a group: ``leader`` and those waiting, the longest waiting first."""
        with self._lock:
            if leader in self._waiting:
                self._waiting.remove(leader)
            self._waiting.insert(0, leader)
            group = self._take()
            for ticket in group:
                ticket.state = _GROUPED

        def written() -> None:
            with self._lock:
                if self._leader is leader:
                    self._calling_since = time.monotonic()

        def more() -> list:
            with self._lock:
                extra = self._take(len(group), sum(self._weight(t.req) for t in group))
                for ticket in extra:
                    ticket.state = _GROUPED
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
            with self._lock:
                for ticket, value in zip(group, values, strict=True):
                    ticket.value, ticket.state = value, _DONE
                    if ticket is not leader:
                        ticket.wake.release()
                if self._leader is leader:  # hand over to the longest waiting
                    self._calling_since = None
                    self._leader = self._waiting[0] if self._waiting else None
                    if self._leader is not None:
                        self._leader.state = _LEAD
                        self._leader.wake.release()
