"""Keys in order, one at a time (issue 18, item 1).

Textual hands each key from the terminal to the widget focused *when the app reads it*,
into that widget's queue. A burst (a paste, a password manager's auto-type, an SSH link
that batches keystrokes) is read in one go: ``email⇥password⏎`` queues every key on the
email field before the Tab, handled later as a binding, moves the focus. The password then
lands in the visible field.

``OrderedKeys`` (mixed into the app) lets the next key go only once the previous one has
settled: every message queue of the app and of the screen shown is empty, so the focus
move, the screen push or the submit it caused has happened, and the screen shown is mounted
(its focus set) and not ``busy`` (the login checking the password, a wizard step being
validated, a form dialog saving), so keys typed after Enter reach the next step, not the
one being left. Keys are never dropped: a
key that does not settle within ``KEY_SETTLE_SECONDS`` (a handler waiting on something
slow) lets the next one go anyway, still in order.

Keys typed before the program has put the terminal in raw mode (while Python starts)
pass the tty's CR→NL translation: their Enter arrives as ``ctrl+j``. Nothing here binds
``ctrl+j``, so it is read as the Enter it was.
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic

from textual import events

_RELEASED = "_smsconsole_released"  # set on a held key handed back to the app's queue


class OrderedKeys:
    """Mixin for ``App``: keys from the terminal are delivered one after the other."""

    KEY_SETTLE_SECONDS = 1.0
    WORK_SETTLE_SECONDS = 15.0

    _held_keys: deque[events.Key]
    _key_in_flight: bool = False
    _settling: asyncio.Task | None = None
    _skip_work: bool = False

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)  # type: ignore[misc]
            return
        if event.key == "ctrl+j":
            event = events.Key("enter", "\r")
        held = self.__dict__.setdefault("_held_keys", deque())
        if not getattr(event, _RELEASED, False):
            if self._key_in_flight or held:
                held.append(event)
                return
            self._key_in_flight = True
            if self._screen_mounting():  # typed before the first screen is mounted
                held.append(event)
                self._settling = asyncio.create_task(self._settle_then_next())
                return
        await super().on_event(event)  # type: ignore[misc]
        self._settling = asyncio.create_task(self._settle_then_next())

    async def _settle_then_next(self) -> None:
        start = monotonic()
        quiet = 0
        spins = 0
        while quiet < 2:
            # The first turns are free (most keys settle in a few); then a short nap so a
            # busy page is not slowed down by this loop.
            await asyncio.sleep(0 if spins < 50 else 0.002)
            spins += 1
            waited = monotonic() - start
            working = not self._skip_work and self._holding_work()
            if working and waited > self.WORK_SETTLE_SECONDS:
                self._skip_work = True  # the rest of this burst does not wait for it
                working = False
            if not working and waited > self.KEY_SETTLE_SECONDS:
                break
            quiet = quiet + 1 if not working and self._queues_empty() else 0
        held: deque[events.Key] = self.__dict__.setdefault("_held_keys", deque())
        if held:
            key = held.popleft()
            setattr(key, _RELEASED, True)
            if not self.post_message(key):  # type: ignore[attr-defined]
                held.clear()
                self._key_in_flight = False
        else:
            self._key_in_flight = False
            self._skip_work = False

    def _holding_work(self) -> bool:
        if self._screen_mounting():
            return True
        try:
            return bool(getattr(self.screen, "busy", False))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - no screen yet or any more
            return False

    def _screen_mounting(self) -> bool:
        """A screen still mounting has not set its focus: a key now would reach no field
        (the first screen is the App's own, mounting as the first keys arrive)."""
        try:
            return not self.screen.is_mounted  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - no screen yet or any more
            return False

    def _queues_empty(self) -> bool:
        app = self  # the App
        try:
            screen = app.screen  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - no screen yet (starting) or any more (closing)
            return True
        if not app._message_queue.empty():  # type: ignore[attr-defined]
            return False
        for node in screen.walk_children(with_self=True):
            if not node._message_queue.empty():
                return False
        return True


__all__ = ["OrderedKeys"]
