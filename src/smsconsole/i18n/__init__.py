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

import re
import tomllib
from pathlib import Path

LANGS = ("zh", "en")
_HERE = Path(__file__).parent
_catalog: dict[str, dict[str, str]] | None = None
_lang = "en"

# Start-up: parsing all the catalogs (~1,700 entries; tomllib is pure Python) costs more
# than drawing the login. ``t`` looks in the start-up file first (the login, the wizard,
# the keys) and parses another file only when one of its keys is asked for; which file
# holds a key comes from an index of the files' ``"key" =`` lines (a regular expression,
# no parsing). ``load_catalog()`` still returns everything.
_FIRST = "shell.toml"
_KEY_LINE = re.compile(rb'^"([^"\\]+)"[ \t]*=', re.M)
_files: dict[str, dict[str, dict[str, str]]] = {}  # file name -> its entries
_index: dict[str, str] | None = None  # key -> file name


def load_catalog() -> dict[str, dict[str, str]]:
    """All entries of all catalog files: key -> {"en": ..., "zh": ...}."""
    global _catalog
    if _catalog is None:
        merged: dict[str, dict[str, str]] = {}
        for path in sorted(_HERE.glob("*.toml")):
            for key, texts in _file(path.name).items():
                if key in merged:
                    raise ValueError(f"message key {key!r} defined twice ({path.name})")
                merged[key] = texts
        _catalog = merged
    return _catalog


def _file(name: str) -> dict[str, dict[str, str]]:
    entries = _files.get(name)
    if entries is None:
        with (_HERE / name).open("rb") as fh:
            entries = _files[name] = tomllib.load(fh)
    return entries


def _key_index() -> dict[str, str]:
    global _index
    if _index is None:
        index: dict[str, str] = {}
        for path in sorted(_HERE.glob("*.toml")):
            for match in _KEY_LINE.finditer(path.read_bytes()):
                index.setdefault(match.group(1).decode(), path.name)
        _index = index
    return _index


def entry(key: str) -> dict[str, str] | None:
    """The entry of a key ({"en": ..., "zh": ...}) or None, parsing as little as possible."""
    if _catalog is not None:
        return _catalog.get(key)
    found = _file(_FIRST).get(key)
    if found is not None:
        return found
    name = _key_index().get(key)
    if name is None:
        return None
    found = _file(name).get(key)
    if found is None:  # the index was wrong (a key line it misread): trust the parser
        return load_catalog().get(key)
    return found


def has_key(key: str) -> bool:
    return entry(key) is not None


def set_lang(lang: str) -> None:
    global _lang
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    _lang = lang


def get_lang() -> str:
    return _lang


def t(key: str, lang: str | None = None, /, **params: object) -> str:
    found = entry(key)
    if found is None:
        return key
    text = found.get(lang or _lang) or found.get("en") or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def enum_key(value) -> str:
    """The catalog key of an enum member: ``ReviewStatus.PENDING`` → ``enum.review_status.pending``."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(value).__name__).lower()
    return f"enum.{name}.{value.value}"


def enum_label(value, lang: str | None = None) -> str:
    """An enum member in the language (its raw value when the catalog lacks it). Parses
    only the catalog file holding the key (all of them cost home's first draw ~75 ms)."""
    key = enum_key(value)
    return t(key, lang) if has_key(key) else str(value.value)
