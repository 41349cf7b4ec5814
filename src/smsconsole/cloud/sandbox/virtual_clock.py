"""The sandbox's virtual clock, and the time formats the real services use.

"Virtual now" (``now_ms``) drives send and report times, review deadlines and the
per-number frequency limits, so a demo can replay a week in a minute. Request-signature
timestamps, STS token expiry and MNS visibility are checked against real time
(``real_ms``), as the real services do.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def real_ms() -> int:
    return int(time.time() * 1000)


class Clock:
    def __init__(self, offset_ms: int = 0) -> None:
        self._offset_ms = offset_ms
        self._held_ms: int | None = None  # a virtual now that stands still (see set_now)
        self._lock = threading.Lock()

    @property
    def offset_ms(self) -> int:
        return self._offset_ms

    def now_ms(self) -> int:
        held = self._held_ms
        return held if held is not None else real_ms() + self._offset_ms

    def now(self) -> datetime:
        return from_ms(self.now_ms())

    def set_now(self, when: datetime | None, hold: bool = False) -> int:
        """Make ``when`` (aware) the virtual now; ``None`` resets to real time. With
        ``hold`` the virtual now stays at ``when`` until the next call (a replay that
        sets the time of every event gets the same times however fast it runs)."""
        with self._lock:
            self._held_ms = None
            if when is None:
                self._offset_ms = 0
            else:
                if when.tzinfo is None:
                    raise ValueError("the virtual time needs a UTC offset")
                at = int(when.timestamp() * 1000)
                self._offset_ms = at - real_ms()
                if hold:
                    self._held_ms = at
            return self._offset_ms


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, CHINA)


def china_str(ms: int) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in China time, as Aliyun and Alipay write times."""
    return from_ms(ms).strftime("%Y-%m-%d %H:%M:%S")


def china_day_start_ms(ms: int) -> int:
    d = from_ms(ms)
    start = d.replace(hour=0, minute=0, second=0, microsecond=0)
    return int(start.timestamp() * 1000)


def parse_yyyymmdd(text: str) -> datetime | None:
    try:
        d = datetime.strptime(text, "%Y%m%d")
    except (TypeError, ValueError):
        return None
    return d.replace(tzinfo=CHINA)
