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


def test_an_enum_label_parses_only_the_file_that_holds_it():
    """Home's first draw named its quota types through ``load_catalog()``: every file
    parsed on the UI thread (~75 ms) between the login and the home page."""
    code = ("import smsconsole.i18n as i;"
            "from smsconsole.store.models import SmsType, HoldingStatus;"
            "from smsconsole.widgets.format import enum_label;"
            "from smsconsole.screens.adminlog import action_label;"
            "print(enum_label(SmsType.NOTIFICATION), enum_label(HoldingStatus.FROZEN),"
            " action_label('order.price') != 'order.price', action_label('no.such'),"
            " i._catalog is None, len(i._files) < 4)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "Notification Frozen True no.such True True", out


FIRST_FRAME = """
import asyncio, sys
from pathlib import Path
import smsconsole.i18n as i
from smsconsole.app import make_app
from smsconsole.config import AppConfig

d = Path(sys.argv[1])
db = d / "smsconsole.db"
if sys.argv[2] == "login":
    db.write_bytes(b"")  # a file: the login is guessed
cfg = AppConfig(data_dir=d, db_url=f"sqlite:///{db}", lang=sys.argv[3],
                config_file=d / "none.toml", refresh_seconds=3600)
app = make_app(None, cfg, start_worker=False)
app._first_frame_drawn = lambda: None  # stop at the first frame

async def main():
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        print(type(app.screen).__name__, i._index is None, sorted(i._files))

asyncio.run(main())
"""


def test_the_first_screens_are_drawn_from_the_start_up_catalog_alone(tmp_path):
    """Up to the login's (or the wizard's) first frame only ``shell.toml`` is parsed and
    no key is looked for elsewhere (the index of every file: ~4 ms; another file: 4+):
    every key and key tip the first screens and the App's bindings ask for is there."""
    for screen, name in (("login", "LoginScreen"), ("wizard", "SetupWizard")):
        for lang in ("en", "zh"):
            directory = tmp_path / f"{screen}-{lang}"
            directory.mkdir()
            out = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(directory), screen,
                                  lang], capture_output=True, text=True, check=True)
            assert out.stdout.strip() == f"{name} True ['shell.toml']", (screen, lang,
                                                                          out.stdout)
