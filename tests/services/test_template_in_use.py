"""Deleting a template its sends refer to is refused in words, not with the database's
FOREIGN KEY error (issue 18, item 3); an unused one is still deleted."""

from __future__ import annotations

import pytest

from smsconsole.services.errors import Refused
from smsconsole.store.models import SendTask, TaskStatus, Template
from tests import factories


def test_a_used_template_is_refused_an_unused_one_deleted(services):
    actor = factories.set_up(services)
    user = factories.user(services)
    used = factories.approved_template(services, user.id, code="SMS_900001")
    unused = factories.approved_template(services, user.id, code="SMS_900002", name="空闲")
    with services.store.session() as s:
        s.add(SendTask(user_id=user.id, created_at=services.ctx.clock.now(), sign_name="云顶",
                       template_id=used.id, template_code=used.code, template_name=used.name,
                       sms_type=used.sms_type, content="x", params_json="{}", numbers=1,
                       invalid_numbers=0, duplicate_numbers=0, opted_out_numbers=0,
                       segments_each=1, status=TaskStatus.SUBMITTED))
    with pytest.raises(Refused) as caught:
        services.templates.delete(actor, used.id)
    assert caught.value.key == "error.template.in_use"
    text = caught.value.message("en")
    assert "1 send tasks" in text and "SMS_900001" in text and "FOREIGN" not in text
    services.templates.delete(actor, unused.id)
    with services.store.read() as s:
        assert [t.code for t in s.query(Template).all()] == ["SMS_900001"]
    actions = [e.action for e in services.adminlog.latest(limit=5)]
    assert actions.count("template.delete") == 1
