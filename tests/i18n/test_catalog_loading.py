"""Start-up (issue 19, item 1): the catalogs are parsed as needed, not all at import — the
login is drawn with the start-up file alone; every key is still found where tomllib puts it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import smsconsole.i18n as i18n


def test_the_key_index_agrees_with_the_parser():
    here = Path(i18n.__file__).parent
    parsed = {}
    for path in sorted(here.glob("*.toml")):
        with path.open("rb") as fh:
            parsed.update({key: path.name for key in tomllib.load(fh)})
    assert i18n._key_index() == parsed
    catalog = i18n.load_catalog()
    assert all(i18n.entry(key) == catalog[key] for key in parsed)
    assert i18n.entry("no.such.key") is None and i18n.t("no.such.key") == "no.such.key"


def test_importing_the_console_parses_only_the_start_up_catalog():
    code = ("import smsconsole.app, smsconsole.screens.login, smsconsole.i18n as i;"
            "from smsconsole.screens.login import LoginScreen;"
            "print(sorted(i._files), i._catalog is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['shell.toml'] True", out
