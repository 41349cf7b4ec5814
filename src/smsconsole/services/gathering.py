"""Concurrent sends gathered into groups (the gateway's hot path).

Every send costs a write transaction before its cloud call and one after it, and the
cloud call itself (the official SDK: about as much CPU again as the rest). When many
customers' requests arrive at once, each of them paying for all three is what limits
the gateway. ``Gatherer.send`` lets the first caller *lead*: it takes every request
waiting, sends them as one group (``SendService.send_group``: one transaction for all of
them, one SendBatchSms for those that can share it, one transaction for the results) and
hands each caller its own result; callers that arrive meanwhile wait for the next group.
When the leader's own request is done it steps down and a waiting caller takes over, so
no caller serves the others for long. A caller alone is a group of one at once: nothing
waits on a timer, and a quiet gateway sends exactly as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

MAX_GROUP = 64  # requests in one transaction


@dataclass
class _Ticket:
    req: object
    done: bool = False
    value: object = None


class Gatherer:
    def __init__(self, send_group) -> None:
        """``send_group(requests) -> [outcome or exception, ...]``, in order."""
        self._send_group = send_group
        self._cv = threading.Condition()
        self._waiting: list[_Ticket] = []
        self._leading = False

    def send(self, req):
        """``req``'s outcome, sent with whatever arrived with it; its refusal raised."""
        ticket = _Ticket(req)
        with self._cv:
            self._waiting.append(ticket)
            while not ticket.done and self._leading:
                self._cv.wait()
            lead = not ticket.done
            if lead:
                self._leading = True
        if lead:
            try:
                while not ticket.done:
                    with self._cv:
                        group = self._waiting[:MAX_GROUP]
                        del self._waiting[:len(group)]
                    self._run(group)
            finally:
                with self._cv:
                    self._leading = False
                    self._cv.notify_all()
        if isinstance(ticket.value, BaseException):
            raise ticket.value
        return ticket.value

    def _run(self, group: list[_Ticket]) -> None:
        values: list = [RuntimeError("the send was interrupted")] * len(group)
        try:
            values = self._send_group([t.req for t in group])
        except Exception as exc:  # noqa: BLE001 - every caller of the group learns it
            values = [exc] * len(group)
        finally:
            with self._cv:
                for ticket, value in zip(group, values, strict=True):
                    ticket.done, ticket.value = True, value
                self._cv.notify_all()
