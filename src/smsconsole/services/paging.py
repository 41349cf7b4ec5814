"""Keyset pagination: a page costs the same at any depth (never OFFSET).

Lists are ordered newest first by a tuple of columns ending in the primary key, e.g.
``(send_time, id)``. A cursor is that tuple's values for a boundary row: the next page
takes rows strictly below the last row, the previous page rows strictly above the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

T = TypeVar("T")
Cursor = tuple


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    first: Cursor | None  # cursor of the first row (for the previous page)
    last: Cursor | None  # cursor of the last row (for the next page)
    has_next: bool  # more rows after this page
    has_prev: bool  # rows before this page

    def __len__(self) -> int:
        return len(self.rows)


def _key(row, names: Sequence[str]) -> Cursor:
    return tuple(getattr(row, n) for n in names)


def keyset_page(
    session: Session,
    stmt: Select,
    order: Sequence,
    cursor: Cursor | None = None,
    limit: int = 50,
    *,
    backward: bool = False,
    scalars: bool = False,
    compare: Sequence | None = None,
) -> Page:
    """Run ``stmt`` for one page ordered by ``order`` descending.

    ``cursor`` None: the first page. ``backward`` False: rows after ``cursor`` (older);
    True: rows before it (newer), returned in the same newest-first order.
    ``compare``: expressions equal to ``order``'s columns to compare the cursor with
    (e.g. written so the planner cannot use an index for that term); default ``order``.
    """
    key = tuple_(*(compare or order))
    names = [c.key for c in order]
    if cursor is not None:
        stmt = stmt.where(key > tuple_(*cursor) if backward else key < tuple_(*cursor))
    ordering = [c.asc() for c in order] if backward else [c.desc() for c in order]
    stmt = stmt.order_by(*ordering).limit(limit + 1)
    result = session.scalars(stmt) if scalars else session.execute(stmt)
    rows = list(result)
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        rows.reverse()
        has_prev, has_next = more, True
    else:
        has_prev, has_next = cursor is not None, more
    if not rows:
        return Page(rows=[], first=None, last=None, has_next=False if not backward else True,
                    has_prev=False if backward else cursor is not None)
    return Page(rows=rows, first=_key(rows[0], names), last=_key(rows[-1], names),
                has_next=has_next, has_prev=has_prev)
