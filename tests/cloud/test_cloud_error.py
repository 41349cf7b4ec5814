"""CloudError and the bilingual code explanations the task-detail screen shows."""

from __future__ import annotations

import pickle

import pytest

from smsconsole.cloud.cloud_error import CODES, CloudError, explain

SMS_BUSINESS = """OK isv.BUSINESS_LIMIT_CONTROL isv.DAY_LIMIT_CONTROL isv.MONTH_LIMIT_CONTROL
isv.MOBILE_NUMBER_ILLEGAL isv.MOBILE_COUNT_OVER_LIMIT isv.SMS_TEMPLATE_ILLEGAL
isv.SMS_SIGNATURE_ILLEGAL isv.SMS_SIGNATURE_SCENE_ILLEGAL isv.SIGN_STATE_ILLEGAL
isv.SMS_SIGN_ILLEGAL isv.TEMPLATE_MISSING_PARAMETERS isv.INVALID_JSON_PARAM
isv.INVALID_PARAMETERS isv.PARAM_LENGTH_LIMIT isv.PARAM_NOT_SUPPORT_URL
isv.BLACK_KEY_CONTROL_LIMIT isv.SMS_CONTENT_ILLEGAL isv.AMOUNT_NOT_ENOUGH isv.OUT_OF_SERVICE
isv.PRODUCT_UN_SUBSCRIPT isv.PRODUCT_UNSUBSCRIBE isv.ACCOUNT_NOT_EXISTS isv.ACCOUNT_ABNORMAL
isv.EXTEND_CODE_ERROR isv.DOMESTIC_NUMBER_NOT_SUPPORTED isv.DENY_IP_RANGE
isp.RAM_PERMISSION_DENY isp.SYSTEM_ERROR""".split()
SMS_HTTP = """MissingParameter InvalidParameter IncompleteSignature InvalidTimeStamp.Expired
IllegalTimestamp SignatureNonceUsed MissingSecurityToken SignatureDoesNotMatch Throttling
Throttling.User Throttling.Api InvalidAccessKeyId.NotFound InvalidAction.NotFound Forbidden.RAM
InvalidSecurityToken.Expired InternalError ServiceUnavailable""".split()
MNS = """MessageNotExist QueueNotExist ReceiptHandleError InvalidArgument MalformedXML
InvalidRequestURL InvalidQueryString MissingReceiptHandle MissingVisibilityTimeout
InvalidAuthorizationHeader MissingAuthorizationHeader InvalidDateHeader MissingDateHeader
InvalidDigest InvalidDegist SignatureDoesNotMatch InvalidAccessKeyId AccessDenied TimeExpired
QueueAlreadyExist InternalError InternalServerError""".split()
ALIPAY = """10000 20000 20001 40001 40002 40003 40004 40006 isv.invalid-signature
isv.invalid-app-id ACQ.TRADE_NOT_EXIST ACQ.SYSTEM_ERROR ACQ.INVALID_PARAMETER""".split()
CARRIER = "DELIVERED UNDELIV MK:0001 MK:0005 IC:0055 DB:0141 MI:0013 MN:0001".split()
OWN = "Timeout NetworkError InvalidResponse ResponseSignatureInvalid InvalidKey".split()


@pytest.mark.parametrize("code", SMS_BUSINESS + SMS_HTTP + MNS + ALIPAY + CARRIER + OWN)
def test_every_documented_code_is_explained_in_both_languages(code):
    assert code in CODES
    zh_meaning, zh_advice = explain(code, "zh")
    en_meaning, en_advice = explain(code, "en")
    assert zh_meaning and zh_advice and en_meaning and en_advice
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_meaning + zh_advice)
    assert en_meaning.isascii() or "–" in en_meaning or "…" in en_meaning
    assert en_meaning != explain("no-such-code", "en")[0]


def test_unknown_codes_get_a_generic_or_family_explanation():
    generic = explain("SOMETHING:ODD", "en")
    assert "Unknown" in generic[0]
    family = explain("MK:0999", "zh")
    assert "MK:0999" in family[0] and family != explain("SOMETHING:ODD", "zh")
    assert "throttled" in explain("Throttling.Whatever", "en")[0]
    assert explain("MissingPhoneNumbers", "en") == explain("MissingParameter", "en")


def test_service_specific_wording():
    # InvalidArgument is an MNS code; InternalError is shared by Aliyun and MNS.
    assert "16" in explain("InvalidArgument", "en", service="mns")[1]
    assert explain("InternalError", "en", service="mns")[0]


def test_cloud_error_is_one_clear_english_line():
    err = CloudError("sms", "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1",
                     http_status=200, request_id="RID-1", action="SendSms")
    line = str(err)
    assert "\n" not in line
    assert line.startswith("Aliyun SMS SendSms failed: isv.BUSINESS_LIMIT_CONTROL")
    assert "RID-1" in line and "HTTP 200" in line
    assert line.isascii()
    assert err.meaning("zh") == explain("isv.BUSINESS_LIMIT_CONTROL", "zh")[0]
    assert err.advice("en") == explain("isv.BUSINESS_LIMIT_CONTROL", "en")[1]
    assert err.raw_message == "触发分钟级流控Permits:1"
    assert err.retryable is False
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, again.request_id, again.http_status) == (err.code, "RID-1", 200)


def test_unknown_code_keeps_ascii_server_text_in_one_line():
    err = CloudError("mns", "WeirdThing", "line one\nline two", http_status=400)
    assert str(err) == "MNS failed: WeirdThing: line one line two (HTTP 400)"
    assert "WeirdThing" in repr(err)


def test_the_code_tables_come_from_the_catalog_in_both_languages():
    """The tables live in i18n/cloud_codes.toml: every code has a meaning and advice (a
    carrier family only a meaning), each in Chinese and English."""
    from smsconsole.i18n import load_catalog

    entries = {k: v for k, v in load_catalog().items() if k.startswith("cloud_code.")}
    assert len(entries) > 2 * 100
    for key, entry in entries.items():
        assert set(entry) == {"zh", "en"} and entry["zh"].strip() and entry["en"].strip(), key
    for code in CODES:
        parts = {k.rsplit(".", 1)[1] for k in entries if k.split(".", 2)[2].rsplit(".", 1)[0] == code}
        assert parts == {"meaning", "advice"}, code
    meaning = load_catalog()["cloud_code.sms.isv.DAY_LIMIT_CONTROL.meaning"]
    assert explain("isv.DAY_LIMIT_CONTROL", "zh")[0] == meaning["zh"]
    assert explain("isv.DAY_LIMIT_CONTROL", "en")[0] == meaning["en"]
