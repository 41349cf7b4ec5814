"""``POST /api/v1/messages``: a refusal's message follows Accept-Language (zh or en),
Aliyun's code unchanged (issue 15 follow-up, item 4: the messages of Aliyun-coded
refusals were always Chinese)."""

from __future__ import annotations

import pytest

from smsconsole.store.models import SmsType
from tests import factories as f
from tests.gateway.rest.test_rest_gateway import login, message
from tests.services.cloudseed import sender


@pytest.fixture
def who(gw):
    svc, server = gw
    w = sender(svc, server.actor)
    f.quota(svc, server.actor, w.user_id, 100, SmsType.NOTIFICATION)
    return w


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_refusals_in_the_language_asked_for(gw, client, who):
    svc, _ = gw
    auth = login(client, svc, who)
    cases = [dict(phones=["12345"]), dict(phones=["13700000103"], template_code="SMS_NOPE"),
             dict(phones=["13700000103"], params={"name": "x"}),
             dict(phones=["13700000103"], params={"name": 1, "order": "2"}),
             dict(phones=f.phones(200, 1000))]
    for case in cases:
        phones = case.pop("phones")
        en = message(client, {**auth, "Accept-Language": "en-US,en;q=0.9"}, who, phones,
                     **case)
        zh = message(client, {**auth, "Accept-Language": "zh-CN"}, who, phones, **case)
        default = message(client, auth, who, phones, **case)
        assert en.status_code == zh.status_code >= 400, en.text
        assert en.json()["code"] == zh.json()["code"] == default.json()["code"]
        assert en.json()["message"] and not chinese(en.json()["message"]), en.text
        assert chinese(zh.json()["message"]), zh.text
        assert default.json()["message"] == zh.json()["message"]
