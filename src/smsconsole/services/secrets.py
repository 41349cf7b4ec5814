"""Secrets at rest: Fernet for the AccessKey secret and Alipay private key, argon2 for
passwords. The Fernet key comes from ``SMSCONSOLE_SECRET_KEY`` or a 0600 key file in the
data dir, created on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from smsconsole.services.errors import Conflict

# The data dir's files are the store's concern (below the services).
from smsconsole.store.private_files import private_dir

KEY_FILE = "secret.key"

# OWASP's minimum argon2id profile (19 MiB, t=2): ~15 ms a hash here.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class SecretBox:
    """Encrypts and decrypts small secrets. Never logs or shows them."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def __repr__(self) -> str:
        return "SecretBox(***)"

    @classmethod
    def for_data_dir(cls, data_dir: Path, env: dict[str, str] | None = None, *,
                     create: bool = True) -> SecretBox:
        """The key from the environment or the data dir's key file. ``create=False`` (a
        database whose secrets an existing key encrypted) refuses to make a new key:
        a new one could never decrypt them."""
        env = os.environ if env is None else env
        if env.get("SMSCONSOLE_SECRET_KEY"):
            return cls(env["SMSCONSOLE_SECRET_KEY"].encode())
        path = Path(data_dir) / KEY_FILE
        if not path.exists():
            if not create:
                raise Conflict("error.secret.key_missing", path=str(path))
            private_dir(path.parent)
            key = Fernet.generate_key()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, key)
            finally:
                os.close(fd)
        return cls(path.read_bytes().strip())

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode() if secret else ""

    def decrypt(self, token: str) -> str:
        if not token:
            return ""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise Conflict("error.secret.undecryptable") from None


class MissingKeyBox(SecretBox):
    """For a read-only command on a set-up database whose key is elsewhere: reading
    lists and exporting work; using a secret says which key is missing."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def encrypt(self, secret: str) -> str:
        raise self._error

    def decrypt(self, token: str) -> str:
        if not token:
            return ""
        raise self._error


def mask(secret: str, keep: int = 3) -> str:
    """``********xyz`` style: the last characters to recognise it, never enough to use
    (and not the first ones, which for real keys carry little entropy)."""
    if not secret:
        return ""
    if len(secret) <= keep * 4:
        return "*" * 8
    return "*" * 8 + secret[-keep:]
