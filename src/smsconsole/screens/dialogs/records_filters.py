"""Filter helpers shared by the data pages (orders, finance, tasks, records, statistics,
record query, admin log): typed text → service filter values, with the refusal naming
the form field at fault, and a one-line summary of what a list is filtered by. (A typed
user is looked up by ``services.users.resolve``; a filter is checked by its service.)

No Textual import: the parsing runs inside ``FormDialog`` submits (thread workers).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any

from smsconsole.i18n import enum_key, t
from smsconsole.services.errors import Invalid
from smsconsole.widgets.format import enum_label


def parse_day(text: Any, field: str) -> date | None:
    """``"2026-11-25"`` → a date; blank → None; anything else is refused at ``field``."""
    if text is None or isinstance(text, date):
        return text
    value = str(text).strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("error.date.invalid", field, value=value) from None


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


__all__ = ["parse_day", "enum_choices", "summary",
           "day_range_text"]
