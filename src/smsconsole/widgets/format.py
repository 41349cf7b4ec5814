"""Display formats shared by every page: money in fen, counts, platform-local times, enums.

No Textual import: these are plain functions (table cells, detail dialogs, the CLI could
use them too). Times are shown in the platform's time zone (``set_timezone``, set by the
app from the services' clock; Asia/Shanghai by default)::

    fen(123456)            -> "1,234.56"
    num(1234567)           -> "1,234,567"
    dt(aware_datetime)     -> "2026-11-25 10:00"
    enum_label(ReviewStatus.PENDING) -> "待审批" / "Pending"
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from enum import Enum
from zoneinfo import ZoneInfo

from smsconsole.i18n import enum_label as i18n_enum_label
from smsconsole.i18n import t

_tz: tzinfo = ZoneInfo("Asia/Shanghai")


def set_timezone(tz: tzinfo) -> None:
    """The platform's zone: every ``dt()`` shows times in it."""
    global _tz
    _tz = tz


def get_timezone() -> tzinfo:
    return _tz


def fen(amount: int | None, *, blank: str = "") -> str:
    """Integer fen as yuan with 2 decimals and thousands separators: 123456 -> "1,234.56"."""
    if amount is None:
        return blank
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    yuan, cents = divmod(abs(amount), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def yuan_to_fen(text: str) -> int:
    """"12.5" -> 1250. Raises ValueError on anything else (forms show the service's message)."""
    value = (text or "").strip().replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", value):
        raise ValueError(text)
    sign = -1 if value.startswith("-") else 1
    whole, _, frac = value.lstrip("-").partition(".")
    return sign * (int(whole) * 100 + int((frac + "00")[:2]))


def num(n: int | None, *, blank: str = "") -> str:
    """A count with thousands separators."""
    return blank if n is None else f"{int(n):,}"


def dt(value: datetime | None, *, seconds: bool = False, blank: str = "") -> str:
    """An aware datetime in the platform's zone: "2026-11-25 10:00" (naive ones as they are)."""
    if value is None:
        return blank
    if value.tzinfo is not None:
        value = value.astimezone(_tz)
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def valid_through(expires_at: datetime | None, *, blank: str = "") -> str:
    """An expiry as its inclusive last day in the platform's zone (``clock.last_valid_day``):
    a holding expiring at 2027-07-01 00:00 is valid through "2027-06-30"."""
    from smsconsole.clock import last_valid_day

    return blank if expires_at is None else last_valid_day(expires_at, _tz).isoformat()


def day(value: date | datetime | None, *, blank: str = "") -> str:
    """A date (or the platform day of a datetime): "2026-11-25"."""
    if value is None:
        return blank
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_tz)
        value = value.date()
    return value.isoformat()


def time_of_day(value: datetime | None, *, blank: str = "") -> str:
    """"10:00" in the platform's zone (status lines)."""
    if value is None:
        return blank
    if value.tzinfo is not None:
        value = value.astimezone(_tz)
    return value.strftime("%H:%M")


def enum_label(value: Enum | None, *, blank: str = "") -> str:
    """An enum value in the current language (its raw value when the catalog lacks it)."""
    return blank if value is None else i18n_enum_label(value)


def yes_no(value: bool | None, *, blank: str = "") -> str:
    if value is None:
        return blank
    return t("format.yes") if value else t("format.no")


def mask(secret: str | None, keep: int = 4) -> str:
    """Never show a secret: "LTAI5tAbCdEf" -> "LTAI********"."""
    if not secret:
        return ""
    keep = min(keep, max(len(secret) // 4, 0))
    return secret[:keep] + "*" * 8


def cell(value: object) -> str:
    """Default text for any value in a table cell or detail view."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, Enum):
        return enum_label(value)
    if isinstance(value, datetime):
        return dt(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, int):
        return num(value)
    return str(value)


__all__ = ["set_timezone", "get_timezone", "fen", "yuan_to_fen", "num", "dt", "day",
           "time_of_day", "enum_label", "yes_no", "mask", "cell"]
