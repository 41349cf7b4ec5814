"""``run_in_thread``: a service call off the UI thread, its result (or error) handed back
on it — for any screen or widget (pages have ``MenuPage.run_service``). Its own module:
the first screens (login, wizard) use it without importing the pages' base and its table
(start-up time)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.worker import Worker, get_current_worker

log = logging.getLogger(__name__)


def run_in_thread(node, fn: Callable[..., Any], *args: Any,
                  on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None,
                  group: str = "service", exclusive: bool = False,
                  **kwargs: Any) -> Worker | None:
    """``MenuPage.run_service`` for any widget or screen (None when it is not mounted)."""

    def deliver(callback: Callable[[Any], None], value: Any) -> None:
        if get_current_worker().is_cancelled or not node.is_attached:
            return
        try:
            node.app.call_from_thread(callback, value)
        except RuntimeError:  # the app is shutting down
            pass

    def work() -> None:
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to on_error on the UI thread
            if on_error is None:
                log.error("service call failed", exc_info=exc)
            else:
                deliver(on_error, exc)
            return
        if on_done is not None:
            deliver(on_done, result)

    if not node.is_attached:  # e.g. a screen replaced while it waited for the database
        return None
    name = getattr(fn, "__qualname__", "service")
    return node.run_worker(work, thread=True, exclusive=exclusive, group=group,
                           exit_on_error=False, name=name)


__all__ = ["run_in_thread"]
