"""Keys arriving in one burst (a paste, a password manager's auto-type, an SSH link that
batches keystrokes) reach the field they were typed for (issue 18, item 1): the wizard,
the login (ready for a while, and straight after start) and a form dialog, each typed as
one write to the pseudo-terminal."""

from __future__ import annotations

import time

import pexpect
import pytest
from sqlalchemy import create_engine, text

from smsconsole.i18n import load_catalog
from tests.e2e.terminal import KEYS, Terminal

pytest.importorskip("pyte", reason="pyte (a terminal emulator) reads the screen")

EMAIL, PHONE, PASSWORD = "ops@example.com", "13800138000", "Secret#2026pass"
TAB, ENTER = KEYS["tab"], KEYS["enter"]


def en(key: str) -> str:
    return load_catalog()[key]["en"]


def _env(tmp_path) -> dict[str, str]:
    return {"SMSCONSOLE_DATA_DIR": str(tmp_path / "data"), "SMSCONSOLE_LANG": "en",
            "SMSCONSOLE_CONFIG": str(tmp_path / "none.toml")}


def _quit(term: Terminal) -> None:
    term.press("ctrl+q")
    term.child.expect(pexpect.EOF, timeout=15)


def _set_up_by_bursts(term: Terminal) -> None:
    term.wait_for(en("wizard.step.authorization"), en("wizard.f.email"))
    time.sleep(1)
    # Step 1 and step 2 in one burst: ctrl+n's check runs in a thread, the keys after it
    # belong to step 2.
    term.type(f"Ops Admin{TAB}Cloudtop SMS{TAB}{EMAIL}{TAB}{PHONE}{KEYS['ctrl+n']}"
              f"{TAB}{PASSWORD}{TAB}{PASSWORD}{KEYS['ctrl+n']}")
    term.wait_for(en("wizard.f.access_key_id"))
    term.press("ctrl+o")
    term.wait_for(en("wizard.sandbox.filled"))
    term.press("ctrl+n")
    term.wait_for(en("wizard.f.site_email"), "Cloudtop SMS")
    term.press("ctrl+n")
    term.wait_for(en("login.heading"), EMAIL)


def test_bursts_in_wizard_login_and_form(tmp_path):
    env = _env(tmp_path)
    term = Terminal([], env)
    try:
        _set_up_by_bursts(term)
        _quit(term)
    finally:
        term.close()

    # The login, ready for seconds: id, Tab, password, Enter in one write.
    term = Terminal([], env)
    try:
        term.wait_for(en("login.heading"), en("login.id"))
        time.sleep(2)
        term.type(f"{EMAIL}{TAB}{PASSWORD}{ENTER}")
        screen = term.wait_for(en("menu.logout"), "Notification")
        assert PASSWORD not in screen

        # A form dialog: a new package typed in one burst and saved with ctrl+s.
        term.press("5")
        term.wait_for(en("menu.packages"))
        term.press("n")
        term.wait_for(en("packages.new.title"))
        term.type(f"Burst pack{TAB}{TAB}1000{TAB}{TAB}0.04{TAB}40{KEYS['ctrl+s']}")
        term.wait_gone(en("packages.new.title"))
        _quit(term)
    finally:
        term.close()
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'smsconsole.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, message_count, validity_days, unit_price_fen,"
                                 " price_fen FROM package_product WHERE name LIKE '%pack%'")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("Burst pack", 1000, 365, 4, 4000)]


def test_burst_typed_while_the_program_starts(tmp_path):
    env = _env(tmp_path)
    term = Terminal([], env)
    try:
        _set_up_by_bursts(term)
        _quit(term)
    finally:
        term.close()
    # Typed right after the program is started, before it has drawn anything (its Enter
    # passes the terminal's cooked mode and arrives as ctrl+j).
    term = Terminal([], env)
    try:
        term.type(f"{EMAIL}{TAB}{PASSWORD}{ENTER}")
        screen = term.wait_for(en("menu.logout"), "Notification")
        assert PASSWORD not in screen
        _quit(term)
    finally:
        term.close()
