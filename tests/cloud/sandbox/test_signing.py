"""The sandbox's signature checks against the spec's test vectors and the SDKs' signers."""

from __future__ import annotations

import hashlib

from alibabacloud_tea_openapi.utils import Utils
from alipay import AliPay

from smsconsole.cloud.sandbox import keys as keymod
from smsconsole.cloud.sandbox import signing

EMPTY_SHA = hashlib.sha256(b"").hexdigest()
UA = "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"
QUERY = [
    ("PhoneNumbers", "13800138000"),
    ("SignName", "阿里云短信测试"),
    ("TemplateCode", "SMS_154950909"),
    ("TemplateParam", '{"code":"1234"}'),
]
HEADERS = {
    "accept": "application/json",
    "host": "127.0.0.1:8080",
    "user-agent": UA,
    "x-acs-action": "SendSms",
    "x-acs-content-sha256": EMPTY_SHA,
    "x-acs-credentials-provider": "static_ak",
    "x-acs-date": "2025-06-01T02:00:00Z",
    "x-acs-signature-nonce": "0123456789abcdef0123456789abcdef",
    "x-acs-version": "2017-05-25",
}
SIGNED = ";".join(sorted(HEADERS))


def test_acs3_vector_from_spec():
    canonical = signing.acs3_canonical_request("POST", "/", QUERY, HEADERS, SIGNED, EMPTY_SHA)
    assert canonical.splitlines()[2] == (
        "PhoneNumbers=13800138000&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1"
        "%E6%B5%8B%E8%AF%95&TemplateCode=SMS_154950909&TemplateParam=%7B%22code%22%3A"
        "%221234%22%7D"
    )
    sts = signing.acs3_string_to_sign("ACS3-HMAC-SHA256", canonical)
    assert sts == ("ACS3-HMAC-SHA256\n"
                   "2ee3b3d06be5c07450837db041adeb8bc8134509820aead44ce509a5b44dc0a8")
    assert signing.acs3_signature("test-secret", sts) == (
        "1797eec9e5907b3a97716c37d4a49f038cd593ef706279dc5e62f652f4f7111d")
    assert signing.acs3_signature("wrong-secret", sts) != (
        "1797eec9e5907b3a97716c37d4a49f038cd593ef706279dc5e62f652f4f7111d")


def test_acs3_matches_the_sdk_signer():
    """Our server-side canonicalisation equals tea-openapi's client-side one, including
    characters that percent-encoding treats specially."""
    from darabonba.request import DaraRequest

    req = DaraRequest()
    req.method = "POST"
    req.pathname = "/"
    req.query = {"A": "x y*~'()!/+", "B": "中文", "Empty": ""}
    req.headers = dict(HEADERS)
    auth = Utils.get_authorization(req, "ACS3-HMAC-SHA256", EMPTY_SHA, "AK", "s3cret")
    algo, fields = signing.parse_acs3_authorization(auth)
    canonical = signing.acs3_canonical_request(
        "POST", "/", list(req.query.items()), HEADERS, fields["SignedHeaders"], EMPTY_SHA
    )
    sts = signing.acs3_string_to_sign(algo, canonical)
    assert signing.acs3_signature("s3cret", sts) == fields["Signature"]


def test_rpc_v1_vector_from_spec():
    params = {
        "AccessKeyId": "LTAI_TEST_AK", "Action": "SendSms", "Format": "json",
        "PhoneNumbers": "13800138000", "SignName": "阿里云", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "0123456789abcdef0123456789abcdef", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_1", "TemplateParam": '{"code":"1234"}',
        "Timestamp": "2025-06-01T02:00:00Z", "Version": "2017-05-25",
    }
    sts = signing.rpc_v1_string_to_sign("POST", params)
    assert sts.startswith("POST&%2F&AccessKeyId%3DLTAI_TEST_AK%26Action%3DSendSms")
    assert signing.rpc_v1_signature("test-secret", sts) == "UXcppnB1+bjDQnseVrvSGvlyyZU="
    assert Utils.get_rpcsignature(params, "POST", "test-secret") == "UXcppnB1+bjDQnseVrvSGvlyyZU="


def test_mns_vector_from_spec():
    sts = signing.mns_string_to_sign(
        "GET", {"date": "Thu, 09 Jul 2015 03:01:34 GMT", "x-mns-version": "2015-06-06"},
        "/MyQueue",
    )
    assert sts == "GET\n\n\nThu, 09 Jul 2015 03:01:34 GMT\nx-mns-version:2015-06-06\n/MyQueue"
    assert signing.mns_signature("TestAccessSecret", sts) == "uwx3yeWoILzgmvesW0BQSgfM7b8="


def test_mns_body_md5_is_upper_hex_of_stored_text():
    assert signing.mns_body_md5("abc") == "900150983CD24FB0D6963F7D28E17F72"


def test_alipay_request_signature_roundtrip_with_the_sdk(keys_dir):
    keys = keymod.load_or_create(keys_dir)
    ap = AliPay(
        appid="2021000000000000", app_notify_url="http://127.0.0.1:9/notify",
        app_private_key_string=keys.path(keymod.APP_PRIVATE).read_text(),
        alipay_public_key_string=keys.path(keymod.ALIPAY_PUBLIC).read_text(),
    )
    from urllib.parse import parse_qsl

    qs = ap.api_alipay_trade_page_pay(subject="测试订单 #1", out_trade_no="ORDER-1",
                                      total_amount="0.01", return_url="http://127.0.0.1:8000/p")
    params = dict(parse_qsl(qs))
    text = signing.alipay_request_string(params)
    assert text.startswith("app_id=2021000000000000&biz_content={")
    assert "sign_type=RSA2" in text
    assert signing.rsa_verify(keys.app_public, text, params["sign"])
    assert not signing.rsa_verify(keys.app_public, text.replace("0.01", "0.02"), params["sign"])
    assert not signing.rsa_verify(keys.alipay_public, text, params["sign"])


def test_alipay_notify_signature_verifies_in_the_sdk(keys_dir):
    keys = keymod.load_or_create(keys_dir)
    ap = AliPay(
        appid="2021000000000000",
        app_private_key_string=keys.path(keymod.APP_PRIVATE).read_text(),
        alipay_public_key_string=keys.path(keymod.ALIPAY_PUBLIC).read_text(),
    )
    form = {"out_trade_no": "A", "total_amount": "1.00", "sign_type": "RSA2",
            "subject": "中文 {x}"}
    sig = signing.rsa_sign(keys.alipay_private, signing.alipay_notify_string(form))
    assert ap.verify(dict(form), sig) is True
    assert ap.verify({**form, "total_amount": "9.00"}, sig) is False


def test_keys_are_reused(tmp_path):
    first = keymod.load_or_create(tmp_path)
    pem = (tmp_path / keymod.APP_PRIVATE).read_text()
    again = keymod.load_or_create(tmp_path)
    assert (tmp_path / keymod.APP_PRIVATE).read_text() == pem
    assert first.app_public.public_numbers() == again.app_public.public_numbers()
    assert first.app_private.key_size == 2048
    assert oct((tmp_path / keymod.APP_PRIVATE).stat().st_mode)[-3:] == "600"
    assert "BEGIN" not in repr(first)
