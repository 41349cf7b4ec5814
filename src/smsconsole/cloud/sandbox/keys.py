"""The sandbox's two RSA-2048 key pairs for Alipay, kept as PEM files and reused.

* the *app* pair: the merchant signs requests with the app private key; the sandbox
  verifies them with the app public key (what a merchant uploads to Alipay);
* the *Alipay* pair: the sandbox signs responses and notifies with the Alipay private
  key; the merchant verifies them with the Alipay public key.

The console's payment settings take ``app_private_key.pem`` and ``alipay_public_key.pem``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

APP_PRIVATE = "app_private_key.pem"
APP_PUBLIC = "app_public_key.pem"
ALIPAY_PRIVATE = "alipay_private_key.pem"
ALIPAY_PUBLIC = "alipay_public_key.pem"


@dataclass(frozen=True)
class AlipayKeys:
    dir: Path
    app_private: rsa.RSAPrivateKey
    alipay_private: rsa.RSAPrivateKey

    @property
    def app_public(self) -> rsa.RSAPublicKey:
        return self.app_private.public_key()

    @property
    def alipay_public(self) -> rsa.RSAPublicKey:
        return self.alipay_private.public_key()

    def path(self, name: str) -> Path:
        return self.dir / name

    def __repr__(self) -> str:  # never show key material
        return f"AlipayKeys(dir={str(self.dir)!r})"


def _write(path: Path, data: bytes, private: bool) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    # PKCS#1 ("BEGIN RSA PRIVATE KEY"), the form Alipay's key tool and most guides use.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_or_make(dir_: Path, private_name: str, public_name: str) -> rsa.RSAPrivateKey:
    priv_path, pub_path = dir_ / private_name, dir_ / public_name
    if priv_path.exists():
        # Our own generated keys: skip the (40 ms) RSA consistency check on every start.
        key = serialization.load_pem_private_key(
            priv_path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
        )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{priv_path} is not an RSA private key")
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write(priv_path, _private_pem(key), private=True)
    if not pub_path.exists():
        _write(pub_path, _public_pem(key.public_key()), private=False)
    return key


def load_or_create(keys_dir: str | os.PathLike) -> AlipayKeys:
    """Load both pairs from ``keys_dir``, generating (once) whatever is missing."""
    d = Path(keys_dir)
    d.mkdir(parents=True, exist_ok=True)
    app = _load_or_make(d, APP_PRIVATE, APP_PUBLIC)
    ali = _load_or_make(d, ALIPAY_PRIVATE, ALIPAY_PUBLIC)
    return AlipayKeys(dir=d, app_private=app, alipay_private=ali)
