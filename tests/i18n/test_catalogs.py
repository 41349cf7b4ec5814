"""The admin pages' texts: every key they use is in the catalogs, in both languages, with
the same placeholders in each (a page showing a raw key or a ``{name}`` would pass the
Pilot tests unnoticed in the other language)."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

import smsconsole
from smsconsole.i18n import load_catalog

SRC = Path(smsconsole.__file__).parent
PAGES = ("site", "access", "payment", "users", "signatures", "templates", "packages")
MODULES = [SRC / "screens" / f"{m}.py" for m in PAGES]
MODULES += sorted((SRC / "screens" / "dialogs").glob("users_*.py"))
MODULES += [SRC / "screens" / "dialogs" / f"{m}.py" for m in ("signatures_assign",
                                                             "access_form")]
KEY = re.compile(r"""["']((?:key\.)?(?:""" + "|".join(PAGES) + r""")\.[a-z0-9_.]+)["']""")
# Keys built from a prefix: f"{p}.x", f"{self.prefix}.x", f"{self.p}.x", f"{self.page_id}.x".
PREFIXED = re.compile(r"""f["'](key\.)?\{(?:p|self\.prefix|self\.p|prefix|self\.page_id)\}"""
                      r"""\.([a-z0-9_.]+)["']""")
PREFIXES = {"signatures_assign.py": ("signatures", "templates"),
            "signatures.py": ("signatures", "templates"),
            "site.py": ("access", "payment")}
# Binding ids: their label is ``key.<id>``.
BINDING = re.compile(r"""keybind\(\s*["'][^"']*["']\s*,\s*["'][^"']*["']\s*,\s*"""
                     r"""f?["']([^"']+)["']""")
# Literals that are key prefixes, not keys.
NOT_KEYS = {"users.holdings"}
# Prefixed keys only one of the two application pages uses.
ONLY = {"signatures": ("assign.code", "col.code", "col.content"),
        "templates": ("assign.name", "assign.type")}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in MODULES:
        source = path.read_text()
        ids = set()
        for binding_id in BINDING.findall(source):
            for prefix in PREFIXES.get(path.name, ("",)):
                ids.add(binding_id.replace("{prefix}", prefix))
        keys |= {f"key.{i}" for i in ids if "{" not in i}
        keys |= {k for k in KEY.findall(source)
                 if not k.endswith(".") and k not in ids and k not in NOT_KEYS}
        for key_prefix, rest in PREFIXED.findall(source):
            for prefix in PREFIXES.get(path.name, ()):
                key = f"{key_prefix}{prefix}.{rest}"
                if key not in ids and (key_prefix or not rest.startswith(ONLY.get(prefix, ()))):
                    keys.add(key)
    return keys


def test_every_key_used_is_in_the_catalogs():
    catalog = load_catalog()
    keys = used_keys()
    assert len(keys) > 250  # the scan finds them
    missing = sorted(k for k in keys if k not in catalog)
    assert missing == []


@pytest.mark.parametrize("page", PAGES)
def test_both_languages_with_the_same_placeholders(page):
    path = SRC / "i18n" / f"{page}.toml"
    with path.open("rb") as fh:
        entries = tomllib.load(fh)
    for key, entry in entries.items():
        assert key.startswith((f"{page}.", f"key.{page}.")), key
        assert set(entry) == {"en", "zh"} and entry["en"].strip() and entry["zh"].strip(), key
        assert _fields(entry["en"]) == _fields(entry["zh"]), key
