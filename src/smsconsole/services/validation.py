"""Input checks shared by the services. Each raises ``Invalid`` with the field at fault."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from smsconsole.services.errors import Invalid, InvalidFields, ServiceError

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Landlines (with area code), mobiles, 400/800 numbers: digits, spaces, dashes, a leading +.
CONTACT_PHONE = re.compile(r"^\+?[\d][\d\- ]{4,18}\d$")


def normalize_phone(raw: str) -> str | None:
    """A mainland mobile number in its 11-digit form, or None if it is not one.

    Accepts the prefixes Aliyun accepts (+86, 0086, 86) and stray spaces/dashes.
    """
    text = re.sub(r"[\s\-()]", "", str(raw))
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
            break
    return text if MAINLAND_MOBILE.match(text) else None


def mobile(raw: str, field: str = "phone") -> str:
    phone = normalize_phone(raw or "")
    if phone is None:
        raise Invalid("error.phone.invalid", field, phone=raw)
    return phone


def text(raw: str | None, field: str, *, min_len: int = 1, max_len: int = 64,
         required: bool = True) -> str:
    value = (raw or "").strip()
    if not value:
        if required:
            raise Invalid("error.field.required", field)
        return ""
    if len(value) < min_len:
        raise Invalid("error.field.too_short", field, min=min_len)
    if len(value) > max_len:
        raise Invalid("error.field.too_long", field, max=max_len)
    return value


def email(raw: str | None, field: str = "email", required: bool = True) -> str:
    value = (raw or "").strip()
    if not value and not required:
        return ""
    if not EMAIL.match(value) or len(value) > 254:
        raise Invalid("error.email.invalid", field, email=value)
    return value.lower()


def contact_phone(raw: str | None, field: str = "phone", required: bool = True) -> str:
    value = (raw or "").strip()
    if not value and not required:
        return ""
    if not CONTACT_PHONE.match(value):
        raise Invalid("error.phone.contact_invalid", field, phone=value)
    return value


def password(raw: str | None, field: str = "password", confirm: str | None = None) -> str:
    value = raw or ""
    if len(value) < 8 or not re.search(r"[A-Za-z]", value) or not re.search(r"\d", value):
        raise Invalid("error.password.rule", field)
    if len(value) > 128:
        raise Invalid("error.field.too_long", field, max=128)
    if confirm is not None and confirm != value:
        raise Invalid("error.password.mismatch", "password_confirm")
    return value


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
        raw = raw.strip()
        if not re.fullmatch(r"-?\d+", raw):
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
        value = str(raw or "").strip().replace("¥", "").replace("￥", "").replace(",", "")
        if not re.fullmatch(r"-?\d+(\.\d{1,2})?", value):
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
    digits = re.sub(r"[\s\-]", "", prefix or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not digits.isdigit() or len(digits) > 11:
        return None
    return digits.ljust(11, "0"), digits.ljust(11, "9")
