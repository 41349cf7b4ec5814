"""The sandbox checks Aliyun signatures as strictly as Aliyun (cloud.acs_signing, shared
with the gateway): host and every x-acs-* header signed, version, date and nonce."""

from __future__ import annotations

import pytest
from tests.acs_client import acs3, rpc

Q = {"PageIndex": "1", "PageSize": "10"}
ACTION = "QuerySmsSignList"


def base(ep) -> str:
    return f"http://{ep.sms_host}"


def code(resp) -> tuple[int, str]:
    return resp.status_code, resp.json()["Code"]


def test_a_well_signed_request_passes_both_styles(ep):
    assert code(acs3(base(ep), ep.access_key_id, ep.access_key_secret, ACTION, Q)) == (200, "OK")
    assert code(rpc(base(ep), ep.access_key_id, ep.access_key_secret, ACTION, Q)) == (200, "OK")


def test_signed_over_an_unused_header_only_is_refused(ep):
    r = acs3(base(ep), ep.access_key_id, ep.access_key_secret, ACTION, Q, signed=["x-unused"],
             extra={"x-unused": "1"})
    assert code(r) == (400, "SignatureDoesNotMatch")


@pytest.mark.parametrize("header", ["host", "x-acs-action", "x-acs-date",
                                    "x-acs-signature-nonce", "x-acs-version"])
def test_each_required_header_left_unsigned_is_refused(ep, header):
    names = ["accept", "host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
             "x-acs-signature-nonce", "x-acs-version"]
    r = acs3(base(ep), ep.access_key_id, ep.access_key_secret, ACTION, Q,
             signed=[n for n in names if n != header])
    assert code(r) == (400, "SignatureDoesNotMatch")


def test_an_extra_unsigned_acs_header_is_refused(ep):
    names = ["accept", "host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
             "x-acs-signature-nonce", "x-acs-version"]
    r = acs3(base(ep), ep.access_key_id, ep.access_key_secret, ACTION, Q, signed=names,
             extra={"x-acs-security-token": "t"})
    assert code(r) == (400, "SignatureDoesNotMatch")


def test_action_changed_after_signing_is_refused_in_both_styles(ep):
    r = acs3(base(ep), ep.access_key_id, ep.access_key_secret, ACTION, Q,
             after={"x-acs-action": "QuerySmsTemplateList"})
    assert code(r) == (400, "SignatureDoesNotMatch")
    # RPC style signs Action as a parameter; the SDK's unsigned header may not differ.
    r = rpc(base(ep), ep.access_key_id, ep.access_key_secret, ACTION, Q,
            headers={"x-acs-action": "QuerySmsTemplateList"})
    assert code(r) == (400, "SignatureDoesNotMatch")


def test_wrong_version_stale_date_and_reused_nonce(ep):
    ak, sk = ep.access_key_id, ep.access_key_secret
    assert code(acs3(base(ep), ak, sk, ACTION, Q, version="2018-01-01")) == (400, "InvalidVersion")
    assert code(rpc(base(ep), ak, sk, ACTION, Q, version="2018-01-01")) == (400, "InvalidVersion")
    assert code(acs3(base(ep), ak, sk, ACTION, Q, date_offset=-16 * 60)) == (
        400, "InvalidTimeStamp.Expired")
    assert code(rpc(base(ep), ak, sk, ACTION, Q, date_offset=16 * 60)) == (
        400, "InvalidTimeStamp.Expired")
    assert code(acs3(base(ep), ak, sk, ACTION, Q, nonce="n-1")) == (200, "OK")
    assert code(acs3(base(ep), ak, sk, ACTION, Q, nonce="n-1")) == (400, "SignatureNonceUsed")
    assert code(rpc(base(ep), ak, sk, ACTION, Q, nonce="n-2")) == (200, "OK")
    assert code(rpc(base(ep), ak, sk, ACTION, Q, nonce="n-2")) == (400, "SignatureNonceUsed")
