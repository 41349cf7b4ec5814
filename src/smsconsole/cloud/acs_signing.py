"""Aliyun POP request signatures, server side: ACS3-HMAC-SHA256 and RPC HMAC-SHA1.

One module for the sandbox (which plays Aliyun) and the customer gateway (which *is*
Aliyun to its customers), so both are exactly as strict (cloud-protocols.md §A.4–A.5,
gateway.md §2):

- ACS3: ``host`` and every ``x-acs-*`` header the request carries must be signed, the
  body hash must match ``x-acs-content-sha256``, ``x-acs-version`` must be the API's;
- RPC: every query and form parameter is signed; ``x-acs-action``/``x-acs-version``
  headers (which the SDK sends but does not sign) must agree with the signed
  ``Action``/``Version`` parameters, so nobody can re-route a signed request;
- the timestamp must be within 15 minutes and a nonce may not repeat within 15 minutes
  (checked after the signature, so that unsigned requests cannot burn nonces).

``verify`` raises ``SignatureError`` (an HTTP status, Aliyun's code and message).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

API_VERSION = "2017-05-25"
MAX_SKEW_S = 15 * 60
NONCE_TTL_S = 15 * 60
ACS3 = "ACS3-HMAC-SHA256"


def pct(value: str) -> str:
    """RFC 3986 percent-encoding: only ``A-Z a-z 0-9 - _ . ~`` stay bare."""
    return quote(value, safe="~")


# --- ACS3-HMAC-SHA256 (V3, Authorization header) ---------------------------------------


def parse_acs3_authorization(value: str) -> tuple[str, dict[str, str]] | None:
    """``"ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=.."`` → (algo, fields)."""
    algo, _, rest = (value or "").partition(" ")
    if not algo.startswith("ACS3-") or not rest:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if not sep:
            return None
        fields[key] = val
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        return None
    return algo, fields


def acs3_canonical_request(
    method: str,
    path: str,
    query_pairs: list[tuple[str, str]],
    headers: dict[str, str],
    signed_headers: str,
    body_sha256_hex: str,
) -> str:
    cq = "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(query_pairs))
    ch = "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in signed_headers.split(";"))
    return "\n".join([method.upper(), path or "/", cq, ch, signed_headers, body_sha256_hex])


def acs3_string_to_sign(algo: str, canonical_request: str) -> str:
    return algo + "\n" + hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()


def acs3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(
        secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()


# --- RPC v1 HMAC-SHA1 (Signature query parameter) --------------------------------------


def rpc_v1_string_to_sign(method: str, params: dict[str, str]) -> str:
    cq = "&".join(
        f"{pct(k)}={pct(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    return f"{method.upper()}&{pct('/')}&{pct(cq)}"


def rpc_v1_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(
        (secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


# --- verification -----------------------------------------------------------------------


class SignatureError(Exception):
    """An authentication failure as Aliyun answers it (HTTP status, code, message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def nonce_used() -> SignatureError:
    """A nonce seen within the window (here, or where the caller spends it later)."""
    return SignatureError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")


def _mismatch(sts: str = "") -> SignatureError:
    tail = f" server string to sign is:{sts}" if sts else ""
    return SignatureError(400, "SignatureDoesNotMatch",
                          "Specified signature is not matched with our calculation." + tail)


class NonceCache:
    """Nonces seen in the last 15 minutes, in this process (the sandbox's store; the
    gateway uses a shared one in the database so several processes agree)."""

    def __init__(self, ttl_s: float = NONCE_TTL_S) -> None:
        self._ttl = ttl_s
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._last_sweep = time.monotonic()

    def use(self, nonce: str, access_key_id: str = "") -> bool:
        """True the first time (``access_key_id``, ``nonce``) is seen within the window."""
        now = time.monotonic()
        key = f"{access_key_id}\x00{nonce}"
        with self._lock:
            if now - self._last_sweep > 60:
                self._seen = {n: t for n, t in self._seen.items() if now - t < self._ttl}
                self._last_sweep = now
            if key in self._seen and now - self._seen[key] < self._ttl:
                return False
            self._seen[key] = now
            return True


@dataclass(frozen=True)
class Verified:
    access_key_id: str
    action: str
    style: str  # "acs3" | "rpc"
    params: dict[str, str]  # query and form parameters, merged (without RPC's own)


RPC_OWN = frozenset({"AccessKeyId", "Action", "Format", "Version", "Timestamp",
                     "SignatureNonce", "SignatureMethod", "SignatureVersion", "Signature",
                     "SecurityToken", "RegionId"})


def _check_time(stamp: str, now: float, name: str) -> None:
    try:
        t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise SignatureError(400, "IllegalTimestamp",
                             f'The input parameter "{name}" that is mandatory for processing '
                             f"this request is not supplied or is illegal.") from None
    if abs(t.timestamp() - now) > MAX_SKEW_S:
        raise SignatureError(400, "InvalidTimeStamp.Expired",
                             "Specified time stamp or date header is expired.")


def _check_version(version: str, expected: str) -> None:
    if version != expected:
        raise SignatureError(400, "InvalidVersion",
                             "Specified parameter Version is not valid.")


def verify(
    method: str,
    path: str,
    query_pairs: list[tuple[str, str]],
    form_pairs: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    secret_for: Callable[[str], str],
    use_nonce: Callable[[str, str], bool],
    *,
    now: float | None = None,
    version: str = API_VERSION,
) -> Verified:
    """Check one request. ``headers`` has lower-case names; ``secret_for(ak)`` returns the
    secret or raises ``SignatureError`` (unknown/disabled key); ``use_nonce(nonce, ak)`` is
    False for a replay. Returns who signed and what they asked."""
    now = time.time() if now is None else now
    params = dict(query_pairs)
    form = dict(form_pairs)
    auth = headers.get("authorization", "")
    if auth.startswith("ACS3-"):
        return _verify_acs3(method, path, query_pairs, params, form, headers, body, auth,
                            secret_for, use_nonce, now, version)
    if "Signature" in params:
        return _verify_rpc(method, params, form, headers, secret_for, use_nonce, now, version)
    raise SignatureError(400, "IncompleteSignature",
                         "The request signature does not conform to Aliyun standards.")


def _verify_acs3(method, path, query_pairs, params, form, headers, body, auth, secret_for,
                 use_nonce, now, version) -> Verified:
    parsed = parse_acs3_authorization(auth)
    if parsed is None:
        raise SignatureError(400, "IncompleteSignature",
                             "The request signature does not conform to Aliyun standards.")
    algo, fields = parsed
    if algo != ACS3:
        raise SignatureError(400, "IncompleteSignature",
                             f"The signature algorithm {algo} is not supported.")
    signed = fields["SignedHeaders"]
    names = signed.split(";")
    required = {"host"} | {h for h in headers if h.startswith("x-acs-")}
    if not required <= set(names):
        # An unsigned host or x-acs-* header could be changed in flight (the action, the
        # date, the nonce): Aliyun refuses that as a signature mismatch.
        raise _mismatch()
    for name in ("x-acs-action", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"):
        if not headers.get(name):
            raise SignatureError(400, "MissingParameter",
                                 f"The header {name} is mandatory for this action.")
    secret = secret_for(fields["Credential"])
    _check_version(headers["x-acs-version"], version)
    _check_time(headers["x-acs-date"], now, "x-acs-date")
    body_hash = hashlib.sha256(body).hexdigest()
    canonical = acs3_canonical_request(method, path, query_pairs, headers, signed, body_hash)
    sts = acs3_string_to_sign(algo, canonical)
    want = acs3_signature(secret, sts)
    if headers.get("x-acs-content-sha256") != body_hash or not hmac.compare_digest(
        want, fields["Signature"]
    ):
        raise _mismatch(sts)
    if not use_nonce(headers["x-acs-signature-nonce"], fields["Credential"]):
        raise nonce_used()
    return Verified(fields["Credential"], headers["x-acs-action"], "acs3", {**params, **form})


def _verify_rpc(method, params, form, headers, secret_for, use_nonce, now,
                version) -> Verified:
    for name in ("AccessKeyId", "SignatureMethod", "Timestamp", "SignatureNonce", "Action",
                 "Version"):
        if not params.get(name):
            raise SignatureError(400, f"Missing{name}", f"{name} is mandatory for this action.")
    if params["SignatureMethod"] != "HMAC-SHA1" or params.get("SignatureVersion",
                                                              "1.0") != "1.0":
        raise SignatureError(400, "InvalidSignatureMethod.Malformed",
                             "Specified signature method is not valid.")
    secret = secret_for(params["AccessKeyId"])
    _check_version(params["Version"], version)
    _check_time(params["Timestamp"], now, "Timestamp")
    signed = {**params, **form}
    sts = rpc_v1_string_to_sign(method, signed)
    want = rpc_v1_signature(secret, sts)
    if not hmac.compare_digest(want, params.get("Signature", "")):
        raise _mismatch(sts)
    # The SDK sends these headers unsigned in this style: they may repeat, never differ.
    for header, name in (("x-acs-action", "Action"), ("x-acs-version", "Version")):
        if header in headers and headers[header] != params[name]:
            raise _mismatch(sts)
    if not use_nonce(params["SignatureNonce"], params["AccessKeyId"]):
        raise nonce_used()
    business = {k: val for k, val in signed.items() if k not in RPC_OWN}
    return Verified(params["AccessKeyId"], params["Action"], "rpc", business)


__all__ = ["API_VERSION", "NonceCache", "SignatureError", "Verified", "acs3_canonical_request",
           "acs3_signature", "acs3_string_to_sign", "parse_acs3_authorization", "pct",
           "rpc_v1_signature", "rpc_v1_string_to_sign", "verify"]
