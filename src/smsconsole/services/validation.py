"""Input checks shared by the services. Each raises ``Invalid`` with the field at fault."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from smsconsole.services.errors import Invalid, InvalidFields, ServiceError

# ASCII digits only: ``\d`` also matches Arabic-Indic, Devanagari... digits.
MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Landlines (with area code), mobiles, 400/800 numbers: digits, spaces, dashes, a leading +.
CONTACT_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}[0-9]$")


def ascii_forms(raw: str) -> str:
    """Full-width forms (``１３５``, ``＋``, ``－``) as their ASCII letters; other
    characters as they are (so Arabic-Indic digits still fail an ASCII pattern)."""
    if raw.isascii():  # the common case, without the per-character walk
        return raw
    return "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" or ch == "\u3000"
        else ch for ch in raw
    )


def normalize_phone(raw: str) -> str | None:
    """A mainland mobile number in its 11-digit form, or None if it is not one.

    Accepts the prefixes Aliyun accepts (+86, 0086, 86) and stray spaces/dashes.
    """
    text = re.sub(r"[\s\-()]", "", ascii_forms(str(raw)))
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
            break
    return text if MAINLAND_MOBILE.match(text) else None


def mobile(raw: str, field: str = "phone") -> str:
    phone = normalize_phone(clean(raw, field))
    if phone is None:
        raise Invalid("error.phone.invalid", field, phone=raw)
    return phone


# C0 and C1 control characters, DEL and lone surrogates: PostgreSQL refuses NUL (and
# surrogates) with a raw DataError, SQLite stores them, XLSX cannot hold them, and a
# terminal would interpret them. Tab and newline only where a field is multi-line.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(raw, field: str, *, multiline: bool = False) -> str:
    """``raw`` as a stripped string ("" for None); a non-string or a control character is
    a refusal naming the field. Every text input passes here (``text`` does)."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise Invalid("error.field.not_text", field)
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    if pattern.search(raw):
        raise Invalid("error.field.control_chars", field)
    return raw.strip()


def text(raw: str | None, field: str, *, min_len: int = 1, max_len: int = 64,
         required: bool = True, multiline: bool = False) -> str:
    value = clean(raw, field, multiline=multiline)
    if not value:
        if required:
            raise Invalid("error.field.required", field)
        return ""
    if len(value) < min_len:
        raise Invalid("error.field.too_short", field, min=min_len)
    if len(value) > max_len:
        raise Invalid("error.field.too_long", field, max=max_len)
    return value


def search(raw, field: str = "search", max_len: int = 128) -> str:
    """A search term: clean text (maybe empty), at most ``max_len`` characters."""
    return text(raw, field, max_len=max_len, required=False)


def like_contains(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere, with ``%``, ``_`` and the escape
    character taken literally; use with ``ilike(pattern, escape="\\")`` so both
    databases compare without case."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, term: str):
    """``column`` contains ``term`` (``like_contains``), without case. A term with no
    letters that have a case (Chinese, digits) is compared with LIKE: the same matches,
    and PostgreSQL's ILIKE lowers every row first (twice the time over 7,500 template
    names)."""
    pattern = like_contains(term)
    if term.lower() == term.upper():
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def email(raw: str | None, field: str = "email", required: bool = True) -> str:
    value = clean(raw, field)
    if not value and not required:
        return ""
    if not EMAIL.match(value) or len(value) > 254:
        raise Invalid("error.email.invalid", field, email=value)
    return value.lower()


def contact_phone(raw: str | None, field: str = "phone", required: bool = True) -> str:
    value = ascii_forms(text(raw, field, max_len=64, required=False))
    if not value and not required:
        return ""
    if not CONTACT_PHONE.match(value):
        raise Invalid("error.phone.contact_invalid", field, phone=value)
    return value


PASSWORD_MIN_LEN = 10
# Words every guessing list starts with; a password that is one of them plus digits or
# symbols (``Password2026!``, ``qwerty12345``) is refused.
COMMON_PASSWORD_WORDS = frozenset("""
password passw0rd passwd pass admin administrator root qwerty qwertyuiop asdf asdfgh
asdfghjkl zxcvbn zxcvbnm qazwsx qwe qweasd abc abcd abcdef abcdefg abcdefgh letmein
welcome iloveyou monkey dragon master sunshine princess football baseball shadow
superman batman trustno login hello freedom secret changeme default guest test user
sms smsconsole aliyun woaini aaa abc
""".split())
COMMON_PASSWORDS = frozenset("""
1234567890 0123456789 12345678910 1q2w3e4r5t 1qaz2wsx3edc 1qaz2wsx 1q2w3e4r5t6y
qwerty123456 123qweasdzxc zaq12wsx a1b2c3d4e5 abcd123456 abc1234567 a123456789
aa123456789 password123 password1234 iloveyou123 1234qwer 123456abc 5201314520
""".split())


def password(raw: str | None, field: str = "password", confirm: str | None = None) -> str:
    """At least 10 characters, letters and digits, not one character class padded out
    (``        1a``), not a common password or a common word with digits around it."""
    if raw is not None and not isinstance(raw, str):
        raise Invalid("error.field.not_text", field)
    value = raw or ""
    if len(value) > 128:
        raise Invalid("error.field.too_long", field, max=128)
    if (len(value) < PASSWORD_MIN_LEN or not re.search(r"[A-Za-z]", value)
            or not re.search(r"[0-9]", value) or len(set(value)) < 5):
        raise Invalid("error.password.rule", field, min=PASSWORD_MIN_LEN)
    lowered = value.lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    if (lowered in COMMON_PASSWORDS or letters in COMMON_PASSWORD_WORDS
            or _sequential(re.sub(r"[^a-z0-9]", "", lowered))):
        raise Invalid("error.password.common", field)
    if confirm is not None and confirm != value:
        raise Invalid("error.password.mismatch", "password_confirm")
    return value


def _sequential(chars: str) -> bool:
    """A run like ``abcdef123456`` or ``9876543210``: each step +1 or -1 (one turn)."""
    if len(chars) < 6:
        return False
    steps = {ord(b) - ord(a) for a, b in zip(chars, chars[1:], strict=False)}
    return steps <= {1, -1, ord("1") - ord("z"), ord("a") - ord("9")} and len(steps) <= 2


def every(**checks: Callable[[], Any]) -> dict[str, Any]:
    """Run each field's check (``name=lambda: text(...)``) and return the values by name;
    when any fails, raise ``InvalidFields`` with every failure, so a form shows them all
    at once rather than one per submit."""
    out: dict[str, Any] = {}
    errors: list[ServiceError] = []
    for name, check in checks.items():
        try:
            out[name] = check()
        except Invalid as exc:
            errors.extend(getattr(exc, "errors", None) or [exc])
    if errors:
        raise InvalidFields(errors)
    return out


def image_file(raw: str | None, field: str) -> str:
    """A path to an existing image file (PNG, JPEG, GIF, SVG or WebP), or blank."""
    value = text(raw, field, max_len=512, required=False)
    if not value:
        return ""
    path = Path(value).expanduser()
    if not path.is_file():
        raise Invalid("error.file.not_found", field, path=value)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"):
        raise Invalid("error.file.not_image", field, path=value)
    return value


def positive_int(raw, field: str, *, maximum: int = 1_000_000_000, allow_zero: bool = False) -> int:
    """An integer (int or digit string) > 0 (or >= 0)."""
    if isinstance(raw, bool):
        raise Invalid("error.number.not_integer", field)
    if isinstance(raw, str):
        raw = ascii_forms(raw).strip()
        if not re.fullmatch(r"-?[0-9]+", raw):
            raise Invalid("error.number.not_integer", field)
        raw = int(raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise Invalid("error.number.not_integer", field)
        raw = int(raw)
    if not isinstance(raw, int):
        raise Invalid("error.number.not_integer", field)
    if raw < 0 or (raw == 0 and not allow_zero):
        raise Invalid("error.number.not_positive", field)
    if raw > maximum:
        raise Invalid("error.number.too_large", field, max=maximum)
    return raw


def money_fen(raw, field: str, *, allow_zero: bool = False) -> int:
    """Money as integer fen. Accepts int fen, or a yuan string with at most 2 decimals
    ("12", "12.5", "12.50"). Floats are refused: prices are never floats."""
    if isinstance(raw, bool) or isinstance(raw, float):
        raise Invalid("error.money.invalid", field)
    if isinstance(raw, int):
        fen = raw
    else:
        value = str(raw or "").strip().replace("¥", "").replace("￥", "")
        value = ascii_forms(value).replace(",", "")
        if not re.fullmatch(r"-?[0-9]+(\.[0-9]{1,2})?", value):
            raise Invalid("error.money.invalid", field)
        try:
            fen = int(Decimal(value) * 100)
        except InvalidOperation:
            raise Invalid("error.money.invalid", field) from None
    if fen < 0 or (fen == 0 and not allow_zero):
        raise Invalid("error.money.not_positive", field)
    if fen > 100_000_000_00:
        raise Invalid("error.money.too_large", field)
    return fen


def yuan(fen: int) -> str:
    """Integer fen shown as yuan with 2 decimals: 123456 -> "1234.56"."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def all_valid(*checks: Callable[[], object]) -> None:
    """Run every check; raise the one ``Invalid`` (or ``InvalidFields`` with each, in
    order) so a form shows every bad field at once."""
    errors: list[Invalid] = []
    for check in checks:
        try:
            check()
        except Invalid as exc:
            errors.extend(getattr(exc, "errors", None) or [exc])
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidFields(errors)


def date_order(first: date | None, last: date | None, field: str = "last") -> None:
    if first and last and first > last:
        raise Invalid("error.dates.order", field, first=first.isoformat(), last=last.isoformat())


def one_of(raw, choices, field: str):
    """The enum member (or choice) matching ``raw``, else Invalid."""
    if isinstance(choices, type):
        try:
            return choices(raw)
        except ValueError:
            pass
    elif raw in choices:
        return raw
    raise Invalid("error.choice.invalid", field, value=raw)


def phone_prefix_range(prefix: str) -> tuple[str, str] | None:
    """A phone-number prefix as an inclusive range of 11-digit numbers, so an index on
    the phone column serves it (a prefix LIKE never does). None when not digits."""
    digits = re.sub(r"[\s\-]", "", ascii_forms(prefix or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    if not re.fullmatch(r"[0-9]{1,11}", digits):
        return None
    return digits.ljust(11, "0"), digits.ljust(11, "9")
