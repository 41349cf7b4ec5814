"""Time: one injectable clock, and the platform's day (Asia/Shanghai unless configured).

Every service asks the clock, never ``datetime.now()``, so tests and the demo can fix
or shift time. All datetimes are timezone-aware; storage keeps UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def last_valid_day(expires_at: datetime, tz: tzinfo) -> date:
    """The one expiry rule: something that expires at ``expires_at`` (the start of the day
    after its last day, platform time) is valid through this day, inclusive. Every screen
    and export shows this day, never the raw moment (naive values are UTC)."""
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return (expires_at.astimezone(tz) - timedelta(microseconds=1)).date()


class Clock:
    """The real clock. ``tz`` is the platform's time zone (days, "today", "this month")."""

    def __init__(self, tz: tzinfo = CHINA) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(UTC)

    def local_now(self) -> datetime:
        return self.now().astimezone(self.tz)

    def today(self) -> date:
        return self.local_now().date()

    def day_of(self, moment: datetime) -> date:
        """The platform day a moment falls on."""
        return moment.astimezone(self.tz).date()

    def day_start(self, day: date) -> datetime:
        """The first instant of a platform day, in UTC."""
        return datetime.combine(day, time(0), self.tz).astimezone(UTC)

    def day_range(self, first: date, last: date) -> tuple[datetime, datetime]:
        """[start, end) in UTC covering the platform days first..last inclusive."""
        return self.day_start(first), self.day_start(last + timedelta(days=1))


@dataclass
class FixedClock(Clock):
    """A clock that stands still (tests) until moved with ``advance`` or ``set``."""

    at: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    tz: tzinfo = CHINA

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


class OffsetClock(Clock):
    """The real clock shifted by an offset: the demo replays past days with it."""

    def __init__(self, offset: timedelta = timedelta(0), tz: tzinfo = CHINA) -> None:
        super().__init__(tz)
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def parse_china_time(text: str) -> datetime:
    """Aliyun report times are China local time without a zone ("2025-06-01 10:00:05")."""
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)
