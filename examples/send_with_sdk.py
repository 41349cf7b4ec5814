"""Send an SMS through the platform's gateway with Aliyun's official Python SDK.

Exactly the code a customer already has for Aliyun; only the endpoint and the AccessKey
pair change (issued by the platform: ``smsconsole keys create ACCOUNT``).

    pip install alibabacloud-dysmsapi20170525
    SMS_ENDPOINT=127.0.0.1:8080 SMS_AK=SMSC... SMS_SECRET=... \\
    python examples/send_with_sdk.py 13800138000 云顶科技 SMS_100000004 '{"name":"张三","order":"A1"}'

``SMS_PROTOCOL=https`` when TLS is in front of the gateway (the default here is http, for
a gateway on this machine); ``SMS_SIGNATURE=v2`` uses the older HMAC-SHA1 signature.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from alibabacloud_dysmsapi20170525 import models as m
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    phone, sign_name, template_code = argv[1:4]
    params = argv[4] if len(argv) > 4 else None
    client = Client(Config(
        access_key_id=os.environ["SMS_AK"],
        access_key_secret=os.environ["SMS_SECRET"],
        endpoint=os.environ.get("SMS_ENDPOINT", "127.0.0.1:8080"),  # host:port, no scheme
        protocol=os.environ.get("SMS_PROTOCOL", "http"),
        signature_algorithm="v2" if os.environ.get("SMS_SIGNATURE") == "v2" else None,
    ))
    sent = client.send_sms(m.SendSmsRequest(phone_numbers=phone, sign_name=sign_name,
                                            template_code=template_code,
                                            template_param=params))
    print(f"SendSms: {sent.body.code} {sent.body.message} BizId={sent.body.biz_id}")
    if sent.body.code != "OK":  # business errors are HTTP 200 with a Code, as at Aliyun
        return 1
    details = client.query_send_details(m.QuerySendDetailsRequest(
        phone_number=phone, biz_id=sent.body.biz_id, page_size=10, current_page=1,
        send_date=datetime.now().strftime("%Y%m%d")))
    if details.body.code != "OK":
        print(f"QuerySendDetails: {details.body.code} {details.body.message}")
        return 0
    for d in details.body.sms_send_detail_dtos.sms_send_detail_dto:
        state = {1: "waiting for the report", 2: "failed", 3: "delivered"}[d.send_status]
        print(f"{d.phone_num}: {state} {d.err_code or ''} — {d.content}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
