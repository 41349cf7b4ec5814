"""The four request/response signature schemes, server side (cloud-protocols.md §A.4,
§A.5, §B.2, §D.2–D.6). Pure functions, no I/O, so the spec's test vectors apply directly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# The Aliyun POP schemes live in one module shared with the customer gateway.
from smsconsole.cloud.acs_signing import (  # noqa: F401 - re-exported
    acs3_canonical_request,
    acs3_signature,
    acs3_string_to_sign,
    parse_acs3_authorization,
    pct,
    rpc_v1_signature,
    rpc_v1_string_to_sign,
)

# --- MNS -------------------------------------------------------------------------------


def mns_string_to_sign(method: str, headers: dict[str, str], resource: str) -> str:
    """``headers`` with lower-case names; ``resource`` the raw request-target."""
    mns_headers = "".join(
        f"{k}:{headers[k]}\n" for k in sorted(headers) if k.startswith("x-mns-")
    )
    return "\n".join(
        [
            method.upper(),
            headers.get("content-md5", ""),
            headers.get("content-type", ""),
            headers.get("date", ""),
            mns_headers + resource,
        ]
    )


def mns_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def mns_body_md5(text: str) -> str:
    """MessageBodyMD5 as MNS computes it: upper-case hex of the stored body text."""
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


# --- Alipay RSA / RSA2 -----------------------------------------------------------------


def alipay_request_string(params: dict[str, str]) -> str:
    """String-to-sign of a gateway request: sorted ``k=v`` without ``sign`` and empties."""
    return "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != ""
    )


def alipay_notify_string(params: dict[str, str]) -> str:
    """String-to-sign of an async notify or return: without ``sign`` and ``sign_type``."""
    return "&".join(
        f"{k}={v}"
        for k, v in sorted(params.items())
        if k not in ("sign", "sign_type") and v != ""
    )


def _hash(sign_type: str):
    return hashes.SHA1() if sign_type == "RSA" else hashes.SHA256()


def rsa_sign(private_key: rsa.RSAPrivateKey, data: str, sign_type: str = "RSA2") -> str:
    sig = private_key.sign(data.encode("utf-8"), padding.PKCS1v15(), _hash(sign_type))
    return base64.b64encode(sig).decode("ascii")


def rsa_verify(
    public_key: rsa.RSAPublicKey, data: str, signature_b64: str, sign_type: str = "RSA2"
) -> bool:
    try:
        sig = base64.b64decode(signature_b64 or "", validate=False)
        public_key.verify(sig, data.encode("utf-8"), padding.PKCS1v15(), _hash(sign_type))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def load_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key
