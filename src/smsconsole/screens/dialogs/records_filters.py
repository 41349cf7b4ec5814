"""Filter helpers shared by the data pages (orders, finance, tasks, records, statistics,
record query, admin log): typed text → service filter values, with the refusal naming
the form field at fault, and a one-line summary of what a list is filtered by.

No Textual import: the parsing runs inside ``FormDialog`` submits (thread workers).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any

from smsconsole.i18n import t
from smsconsole.widgets.format import enum_key, enum_label


def parse_day(text: Any, field: str) -> date | None:
    """``"2026-11-25"`` → a date; blank → None; anything else is refused at ``field``."""
    from smsconsole.services.errors import Invalid

    if text is None or isinstance(text, date):
        return text
    value = str(text).strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("error.date.invalid", field, value=value) from None


def check_range(first: date | None, last: date | None, field: str = "last") -> None:
    """The services' own date-order rule (same message, same field)."""
    from smsconsole.services import validation

    validation.date_order(first, last, field)


def resolve_user(services: Any, text: str | None, field: str = "user") -> tuple[int, str] | None:
    """A typed account, name or phone → ``(user id, account)``: the exact account when
    there is one, else the only match. Blank → None. Refused at ``field`` when nobody or
    several users match (they are named, so the admin can type the right one)."""
    from smsconsole.services.errors import Invalid, NotFound

    value = (text or "").strip()
    if not value:
        return None
    found = services.users.search(value, limit=6)
    exact = [u for u in found if u.account == value]
    if exact:
        return exact[0].id, exact[0].account
    if len(found) == 1:
        return found[0].id, found[0].account
    if not found:
        raise NotFound("error.user.account_not_found", field, account=value)
    raise Invalid("datalist.user_ambiguous", field, text=value,
                  accounts=", ".join(u.account for u in found[:5]))


def enum_choices(enum_cls: type[Enum]) -> list[tuple[Any, str]]:
    """``(member, catalog key)`` pairs for a select field (labels follow the language)."""
    return [(member, enum_key(member)) for member in enum_cls]


def summary(parts: Iterable[tuple[str, Any]]) -> str:
    """``"Status: Unpaid · From: 2026-11-01"`` from ``(label key, value)`` pairs with a
    value; "No filter" when none has one."""
    shown = []
    for label_key, value in parts:
        if value is None or value == "":
            continue
        if isinstance(value, Enum):
            value = enum_label(value)
        elif isinstance(value, date):
            value = value.isoformat()
        shown.append(t("datalist.part", label=t(label_key), value=value))
    return " · ".join(shown) if shown else t("datalist.no_filter")


def day_range_text(first: date | None, last: date | None) -> str:
    """``"2026-11-01 – 2026-11-25"``, ``"from 2026-11-01"``, ``"until …"`` or ""."""
    if first and last:
        return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
    if first:
        return t("datalist.since", day=first.isoformat())
    if last:
        return t("datalist.until", day=last.isoformat())
    return ""


__all__ = ["parse_day", "check_range", "resolve_user", "enum_choices", "summary",
           "day_range_text"]
