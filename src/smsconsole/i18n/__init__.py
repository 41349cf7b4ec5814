"""Message catalogs in Simplified Chinese and English.

Every user-visible text has a key. The catalogs are the ``*.toml`` files next to this
module, one per area (``errors.toml``, ``shell.toml``, ...), each entry carrying both
languages side by side, so a missing translation is visible in review and caught by a
test::

    "error.user.not_found" = { en = "No user with id {id}.", zh = "找不到 ID 为 {id} 的用户。" }

``t(key, **params)`` formats the text for the current language (``set_lang``); an unknown
key returns the key itself so nothing crashes on a missing entry.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGS = ("zh", "en")
_HERE = Path(__file__).parent
_catalog: dict[str, dict[str, str]] | None = None
_lang = "en"


def load_catalog() -> dict[str, dict[str, str]]:
    """All entries of all catalog files: key -> {"en": ..., "zh": ...}."""
    global _catalog
    if _catalog is None:
        merged: dict[str, dict[str, str]] = {}
        for path in sorted(_HERE.glob("*.toml")):
            with path.open("rb") as fh:
                for key, entry in tomllib.load(fh).items():
                    if key in merged:
                        raise ValueError(f"message key {key!r} defined twice ({path.name})")
                    merged[key] = entry
        _catalog = merged
    return _catalog


def set_lang(lang: str) -> None:
    global _lang
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    _lang = lang


def get_lang() -> str:
    return _lang


def t(key: str, lang: str | None = None, /, **params: object) -> str:
    entry = load_catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang or _lang) or entry.get("en") or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def enum_key(value) -> str:
    """The catalog key of an enum member: ``ReviewStatus.PENDING`` → ``enum.review_status.pending``."""
    import re

    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(value).__name__).lower()
    return f"enum.{name}.{value.value}"


def enum_label(value, lang: str | None = None) -> str:
    """An enum member in the language (its raw value when the catalog lacks it)."""
    key = enum_key(value)
    return t(key, lang) if key in load_catalog() else str(value.value)
