"""Assertions shared by the service tests."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from smsconsole.services.errors import ServiceError


def table_counts(services) -> dict[str, int]:
    with services.store.read() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t))
                for t in SQLModel.metadata.sorted_tables}


def snapshot(services) -> dict:
    """Row counts of every table plus the content of the money/quota-bearing ones."""
    from smsconsole.store.models import Holding, Order, User

    out: dict = {"counts": table_counts(services)}
    with services.store.read() as s:
        out["holdings"] = sorted((h.id, h.total, h.used, h.status) for h in s.scalars(select(Holding)))
        out["orders"] = sorted((o.id, o.amount_fen, o.status) for o in s.scalars(select(Order)))
        out["users"] = sorted((u.id, u.name, u.phone, u.status, u.max_signatures)
                              for u in s.scalars(select(User)))
    return out


@contextmanager
def refused(services, key: str, field: str | None = None, cls=ServiceError):
    """The block raises a refusal with ``key`` (and ``field``) and changes nothing."""
    before = snapshot(services)
    with pytest.raises(cls) as info:
        yield info
    assert info.value.key == key, f"expected {key}, got {info.value.key}: {info.value}"
    if field is not None:
        assert info.value.field == field
    assert snapshot(services) == before, "a refused operation changed the database"
