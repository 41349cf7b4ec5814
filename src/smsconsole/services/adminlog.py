"""The admin log: written in the same transaction as the change it records, and read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.paging import Page, keyset_page
from smsconsole.services.views import Plain
from smsconsole.store.models import AdminLog


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def changes(old: dict, new: dict) -> dict[str, list]:
    """``{"field": [old, new]}`` for the fields whose value changed."""
    return {
        k: [_jsonable(old.get(k)), _jsonable(v)]
        for k, v in new.items()
        if _jsonable(old.get(k)) != _jsonable(v)
    }


def record(
    session: Session,
    ctx: Context,
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: object = "",
    target: str = "",
    detail: dict | str | None = None,
) -> None:
    """Add one admin-log row to ``session`` (the caller's transaction)."""
    if isinstance(detail, dict):
        detail = json.dumps({k: _jsonable(v) for k, v in detail.items()}, ensure_ascii=False,
                            default=str)
    session.add(
        AdminLog(
            at=ctx.clock.now(),
            admin_id=actor.admin_id,
            admin_name=actor.name,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else "",
            target=target[:256],
            detail=detail or "",
            origin=actor.origin,
        )
    )


@dataclass(frozen=True)
class AdminLogEntry(Plain):
    """One admin-log line, as ``page`` and ``latest`` return it."""

    id: int
    at: datetime
    admin_id: int | None
    admin_name: str
    action: str
    target_type: str
    target_id: str
    target: str
    detail: str  # JSON or free text
    origin: str


@dataclass(frozen=True)
class AdminLogFilter:
    day: date | None = None
    first: date | None = None
    last: date | None = None
    action: str = ""  # exact action, or a prefix ending in "." (e.g. "user.")
    target: str = ""  # substring of the target label or id


class AdminLogService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @staticmethod
    def check_filter(flt: AdminLogFilter) -> AdminLogFilter:
        """The filter's own rules, without running a query (the filter form's submit):
        every bad field named at once (``Invalid``/``InvalidFields``)."""
        v.all_valid(lambda: v.date_order(flt.first, flt.last),
                    lambda: v.search(flt.action, "action"),
                    lambda: v.search(flt.target, "target"))
        return flt

    def stmt(self, flt: AdminLogFilter = AdminLogFilter()):
        """The filtered query (lists and exports share it)."""
        stmt = select(AdminLog)
        first, last = (flt.day, flt.day) if flt.day else (flt.first, flt.last)
        if first or last:
            start, end = self.ctx.clock.day_range(first or date(1970, 1, 1),
                                                  last or date(9999, 12, 30))
            stmt = stmt.where(AdminLog.at >= start, AdminLog.at < end)
        if flt.action:
            if flt.action.endswith("."):
                stmt = stmt.where(AdminLog.action.startswith(flt.action))
            else:
                stmt = stmt.where(AdminLog.action == flt.action)
        target = v.search(flt.target, "target")
        if target:
            stmt = stmt.where(v.contains(AdminLog.target, target)
                              | (AdminLog.target_id == target))
        return stmt

    def page(self, flt: AdminLogFilter = AdminLogFilter(), cursor=None, limit: int = 50,
             backward: bool = False) -> Page[AdminLogEntry]:
        with self.ctx.store.read() as s:
            page = keyset_page(s, self.stmt(flt), (AdminLog.at, AdminLog.id), cursor, limit,
                               backward=backward, scalars=True)
            return Page([AdminLogEntry.of(r) for r in page.rows], page.first, page.last,
                        page.has_next, page.has_prev)

    def actions(self) -> list[str]:
        """Distinct actions, for the filter list."""
        with self.ctx.store.read() as s:
            return list(s.scalars(select(AdminLog.action).distinct().order_by(AdminLog.action)))

    def latest(self, action: str | None = None, limit: int = 10) -> list[AdminLogEntry]:
        stmt = select(AdminLog).order_by(AdminLog.at.desc(), AdminLog.id.desc()).limit(limit)
        if action:
            stmt = stmt.where(AdminLog.action == action)
        with self.ctx.store.read() as s:
            return [AdminLogEntry.of(r) for r in s.scalars(stmt)]
