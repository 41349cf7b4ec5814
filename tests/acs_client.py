"""A hand-rolled Aliyun POP client for tests that need requests the SDK never makes:
headers left unsigned, a header changed after signing, a stale date, a nonce reused."""

from __future__ import annotations

import hashlib
import time
import uuid
from urllib.parse import urlencode

import httpx

from smsconsole.cloud import acs_signing as acs


def _stamp(offset_s: float = 0.0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


def acs3(base: str, ak: str, secret: str, action: str, query: dict[str, str], *,
         form: dict[str, str] | None = None, signed: list[str] | None = None,
         after: dict[str, str] | None = None, extra: dict[str, str] | None = None,
         nonce: str | None = None, date_offset: float = 0.0,
         version: str = "2017-05-25") -> httpx.Response:
    """POST / signed with ACS3-HMAC-SHA256 over ``signed`` headers (default: all);
    ``after`` headers are set after signing."""
    host = base.split("://", 1)[1]
    body = urlencode(form).encode() if form else b""
    headers = {
        "host": host, "x-acs-action": action, "x-acs-version": version,
        "x-acs-date": _stamp(date_offset), "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(), "accept": "application/json",
        **(extra or {}),
    }
    if form:
        headers["content-type"] = "application/x-www-form-urlencoded"
    names = sorted(signed if signed is not None else headers)
    signed_list = ";".join(names)
    pairs = sorted(query.items())
    canonical = acs.acs3_canonical_request("POST", "/", pairs, headers, signed_list,
                                           hashlib.sha256(body).hexdigest())
    sig = acs.acs3_signature(secret, acs.acs3_string_to_sign(acs.ACS3, canonical))
    headers["authorization"] = (f"{acs.ACS3} Credential={ak},SignedHeaders={signed_list},"
                                f"Signature={sig}")
    headers.update(after or {})
    return httpx.post(f"{base}/?{urlencode(query)}", content=body, headers=headers,
                      timeout=10)


def rpc(base: str, ak: str, secret: str, action: str, query: dict[str, str], *,
        headers: dict[str, str] | None = None, nonce: str | None = None,
        date_offset: float = 0.0, version: str = "2017-05-25", post=None) -> httpx.Response:
    """POST / with everything in the query, signed with the RPC signature; ``post``:
    another client's ``post`` (``requests.post`` takes targets over httpx's 64 KB)."""
    params = {"AccessKeyId": ak, "Action": action, "Format": "json", "Version": version,
              "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
              "SignatureNonce": nonce or uuid.uuid4().hex, "Timestamp": _stamp(date_offset),
              **query}
    params["Signature"] = acs.rpc_v1_signature(secret, acs.rpc_v1_string_to_sign("POST", params))
    return (post or httpx.post)(f"{base}/?{urlencode(params)}", headers=headers or {},
                                timeout=10)
