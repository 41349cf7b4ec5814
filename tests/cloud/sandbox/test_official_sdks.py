"""Issue 3's "done when": with ONLY the official SDKs (no adapter of ours), send SMS, read
their status reports from the queue with a token from QueryTokenForMnsQueue, and query
an Alipay order — all against the sandbox on loopback."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

from alibabacloud_dybaseapi20170525 import models as dybase_models
from alibabacloud_dybaseapi20170525.client import Client as DybaseClient
from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client as DysmsClient
from alibabacloud_tea_openapi import models as open_api_models
from alipay import AliPay
from mns.account import Account
from mns.mns_exception import MNSServerException

from smsconsole.cloud.sandbox import client as sbc


def test_send_receive_reports_and_query_an_order_with_the_official_sdks(ep):
    config = open_api_models.Config(
        access_key_id=ep.access_key_id, access_key_secret=ep.access_key_secret,
        endpoint=ep.sms_host, protocol="http",
    )
    # 1. send
    sms = DysmsClient(config)
    resp = sms.send_sms(dysms_models.SendSmsRequest(
        phone_numbers="13800138000,13900139000", sign_name="速达科技",
        template_code="SMS_100000004", template_param='{"name":"张三","order":"NO.1"}',
        out_id="done-when",
    ))
    assert resp.body.code == "OK"
    biz_id = resp.body.biz_id

    # 2. token for Aliyun's report queue, then the reports through MNS
    dybase = DybaseClient(config)
    dto = dybase.query_token_for_mns_queue(dybase_models.QueryTokenForMnsQueueRequest(
        message_type="SmsReport", queue_name=ep.report_queue,
    )).body.message_token_dto
    queue = Account(ep.mns, dto.access_key_id, dto.access_key_secret,
                    dto.security_token).get_queue(ep.report_queue)
    reports = []
    deadline = time.time() + 5
    while len(reports) < 2 and time.time() < deadline:
        try:
            msgs = queue.batch_receive_message(16, 2)
        except MNSServerException as exc:
            assert exc.type == "MessageNotExist"
            continue
        reports += [json.loads(m.message_body) for m in msgs]
        queue.batch_delete_message([m.receipt_handle for m in msgs])
    assert sorted(r["phone_number"] for r in reports) == ["13800138000", "13900139000"]
    assert all(r["biz_id"] == biz_id and r["out_id"] == "done-when" for r in reports)
    assert all(r["success"] and r["err_code"] == "DELIVERED" for r in reports)

    # What the "cloud" did matches what the queue said.
    state = sbc.state(ep, biz_id=biz_id)
    assert {m["phone"]: m["err_code"] for m in state["messages"]} == {
        r["phone_number"]: r["err_code"] for r in reports}
    assert all(m["report_enqueued"] and m["reports_in_queue"] == 0 for m in state["messages"])

    # 3. an Alipay order: unknown until paid, then TRADE_SUCCESS
    alipay = AliPay(
        appid=ep.alipay_app_id,
        app_private_key_string=Path(ep.alipay_app_private_key_file).read_text(),
        alipay_public_key_string=Path(ep.alipay_public_key_file).read_text(),
        sign_type="RSA2",
    )
    alipay._gateway = ep.alipay
    before = alipay.api_alipay_trade_query(out_trade_no="SDK-ORDER-1")
    assert before["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    url = alipay._gateway + "?" + alipay.api_alipay_trade_page_pay(
        subject="短信套餐", out_trade_no="SDK-ORDER-1", total_amount="99.00",
        return_url="http://127.0.0.1:9/paid")
    paid = sbc.pay(ep, url)
    ret = dict(paid["return_params"])
    sign = ret.pop("sign")
    assert alipay.verify(ret, sign) is True
    after = alipay.api_alipay_trade_query(out_trade_no="SDK-ORDER-1")
    assert (after["code"], after["trade_status"], after["total_amount"]) == (
        "10000", "TRADE_SUCCESS", "99.00")
    assert urllib.parse.urlsplit(paid["location"]).path == "/paid"
