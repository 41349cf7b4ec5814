"""``Plain``: the base of the frozen result classes services hand to their callers
(screens, CLI, gateway) instead of detached ORM rows (issue 14, item 5).

A view copies the columns it names from a row while the session is open, so callers
never touch lazy loading or an expired row, and cannot change a row by mistake::

    @dataclass(frozen=True)
    class UserView(Plain):
        id: int
        account: str

    return UserView.of(user)   # inside ``with store.session()``
"""

from __future__ import annotations

from dataclasses import fields
from typing import Self


class Plain:
    """Mixin for frozen dataclasses built from one ORM row by field name."""

    @classmethod
    def of(cls, row) -> Self:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]
