"""Issue 13 items 5 and 2: phone numbers are ASCII digits (full-width forms normalised
first), and no text field takes a control character or a non-string."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smsconsole.services import validation as v
from smsconsole.services.errors import Invalid
from smsconsole.store.models import OptOut, SendRecord
from tests import factories as f
from tests.services.cloudseed import sender
from tests.services.helpers import refused
from tests.services.test_sending import request

FULL_WIDTH = "135１２３４５６７８"
ARABIC_INDIC = "١٣٥١٢٣٤٥٦٧٨"  # 13512345678 in Arabic-Indic digits
DEVANAGARI = "१३५१२३४५६७८"


def test_phone_pattern_takes_ascii_digits_after_full_width_forms():
    assert v.normalize_phone(FULL_WIDTH) == "13512345678"
    assert v.normalize_phone("＋８６ １３５－１２３４－５６７８") == "13512345678"
    assert v.normalize_phone(ARABIC_INDIC) is None
    assert v.normalize_phone(DEVANAGARI) is None
    assert v.normalize_phone("135١٢٣٤٥٦٧٨") is None
    with pytest.raises(Invalid):
        v.mobile(ARABIC_INDIC)
    with pytest.raises(Invalid):
        v.contact_phone("٠٢٢-٨٧٨٨٢٢٦٦")
    assert v.phone_prefix_range("١٣٥") is None
    assert v.phone_prefix_range("１３５") == ("13500000000", "13599999999")
    with pytest.raises(Invalid):
        v.positive_int("١٢٣", "messages")
    assert v.positive_int("１２３", "messages") == 123
    with pytest.raises(Invalid):
        v.money_fen("١٢.٥", "price")


@pytest.fixture
def admin(cloud_services):
    from smsconsole.services import Actor

    a = cloud_services.auth.login("admin@example.com", f.PASSWORD)
    return Actor(a.admin_id, a.name)


def test_full_width_number_is_deduplicated_and_opted_out(cloud_services, admin):
    svc = cloud_services
    who = sender(svc, admin)
    f.quota(svc, admin, who.user_id, 100)
    with svc.store.session() as s:
        s.add(OptOut(user_id=who.user_id, phone="13700000003", source="admin",
                     created_at=svc.ctx.clock.now()))
    out = svc.sending.send(request(svc, who, [
        "13512345678", FULL_WIDTH, ARABIC_INDIC, "137０００００００３", "13700000004"]))
    assert out.accepted == 2 and out.duplicates == 1 and out.opted_out == 1
    assert out.invalid == [ARABIC_INDIC]
    with svc.store.read() as s:
        phones = sorted(s.scalars(select(SendRecord.phone).where(SendRecord.task_id == out.task_id)))
    assert phones == ["13512345678", "13700000004"]
