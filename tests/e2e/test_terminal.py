"""The real terminal program, end to end (issue 8): wizard with the sandbox, log in,
every menu by its key, the home numbers equal the database, log out, quit."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest

from smsconsole.i18n import load_catalog
from smsconsole.screens import MENU
from smsconsole.store.models import SmsType
from tests.e2e.terminal import Terminal

pytest.importorskip("pyte", reason="pyte (a terminal emulator) reads the screen")

EMAIL, PHONE, PASSWORD = "ops@example.com", "13800138000", "Secret#2026pass"


def en(key: str) -> str:
    return load_catalog()[key]["en"]


def wizard(term: Terminal) -> None:
    term.wait_for(en("wizard.step.authorization"), en("wizard.f.email"))
    term.type("Ops Admin")
    term.press("tab")
    term.type("Cloudtop SMS")
    term.press("tab")
    term.type(EMAIL)
    term.press("tab")
    term.type(PHONE)
    term.press("ctrl+n")
    term.wait_for(en("wizard.f.password_confirm"))
    term.press("tab")
    term.type(PASSWORD)
    term.press("tab")
    term.type(PASSWORD)
    term.press("ctrl+n")
    term.wait_for(en("wizard.f.access_key_id"))
    term.press("ctrl+o")  # the built-in sandbox fills step 3
    term.wait_for(en("wizard.sandbox.filled"))
    term.press("ctrl+t")  # and its settings test all ok
    term.wait_for("All settings work")
    term.press("ctrl+n")
    term.wait_for(en("wizard.f.site_email"), "Cloudtop SMS")
    term.press("ctrl+n")  # finish


def seed_activity(data_dir):
    """A user, quota and a send whose reports came back — through the services and the
    sandbox the console started for this data dir."""
    from smsconsole.cloud.sandbox import client as sbc
    from smsconsole.services import Actor, build
    from smsconsole.services.sending import VARIABLE, SendRequest
    from smsconsole.services.users import Registration
    from smsconsole.services.worker import ReportWorker

    svc = build(f"sqlite:///{data_dir / 'smsconsole.db'}", data_dir)
    admin = svc.auth.login(EMAIL, PASSWORD, origin="e2e")
    actor = Actor(admin.admin_id, admin.name, "e2e")
    user = svc.users.register(Registration("acme", "Acme", "13900139000", PASSWORD))
    sms = svc.cloud.sms()
    sign = next(s for s in sms.list_signs() if s.sign_type == "general")
    tpl = next(t for t in sms.list_templates() if t.template_type == "notification")
    svc.signatures.assign(actor, user.id, sign.name, "general")
    mine = svc.templates.assign(actor, user.id, tpl.code)
    svc.holdings.allocate(actor, user.id, 1000, svc.ctx.clock.today() + timedelta(days=30),
                          SmsType.NOTIFICATION)
    svc.holdings.allocate(actor, user.id, 200, svc.ctx.clock.today() + timedelta(days=3),
                          SmsType.PROMOTION)
    svc.sending.send(SendRequest(user.id, mine.id, sign.name,
                                 [f"137{i:08d}" for i in range(20)],
                                 {v: "x" for v in VARIABLE.findall(mine.content)}))
    sbc.flush_reports(svc.ctx.extra["sandbox_endpoints"])
    ReportWorker(svc, wait_seconds=0).run(once=True)
    return svc


def numbers(line: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", line)]


def line_with(screen: str, label: str) -> str:
    return next(line for line in screen.splitlines() if label in line)


def pane(screen: str) -> str:
    """The page on the right of the menu (the menu has digits of its own)."""
    return "\n".join(line.split("▕", 1)[-1] for line in screen.splitlines())


def test_wizard_login_every_menu_home_numbers_logout(tmp_path):
    data_dir = tmp_path / "data"
    env = {"SMSCONSOLE_DATA_DIR": str(data_dir), "SMSCONSOLE_LANG": "en",
           "SMSCONSOLE_CONFIG": str(tmp_path / "none.toml")}
    env.pop("SMSCONSOLE_DB_URL", None)
    term = Terminal([], env)
    svc = None
    try:
        wizard(term)
        term.wait_for(en("login.heading"), EMAIL)
        svc = seed_activity(data_dir)

        # Log in (after the wizard the login id is filled in and the password focused).
        term.type(PASSWORD)
        term.press("enter")
        screen = term.wait_for(en("menu.logout"), "Notification")
        term.press("r")
        screen = pane(term.wait_for("Notification"))
        board = svc.stats.dashboard()
        for sms_type, label in ((SmsType.NOTIFICATION, "Notification"),
                                (SmsType.PROMOTION, "Promotion")):
            assert numbers(line_with(screen, label))[:3] == list(board.quota[sms_type]), label
        today = numbers(line_with(screen, "Today"))
        assert today[:2] == [board.today.delivered, board.today.total]
        assert board.today.total == 20 and board.quota[SmsType.NOTIFICATION][1] > 0

        # Every menu by its key: the page opens and the menu marks it.
        for entry in MENU:
            term.press(entry.key)
            label = en(entry.label_key)
            term.wait_for(f"▸{entry.key}")
            marked = line_with(term.text(), f"▸{entry.key}")
            assert label in marked, (entry.key, marked)
            assert "Traceback" not in term.text()

        # Log out: confirm, back to the login screen, logged.
        term.press("X")
        term.wait_for(en("menu.logout"), "y:")
        term.press("y")
        term.wait_for(en("login.heading"), en("login.id"))
        deadline = time.monotonic() + 10
        while not any(e.action == "auth.logout" for e in svc.adminlog.latest(limit=20)):
            assert time.monotonic() < deadline, [e.action for e in svc.adminlog.latest(limit=20)]
            time.sleep(0.2)
        term.press("ctrl+q")
        term.child.expect(__import__("pexpect").EOF, timeout=15)
        term.child.close()
        assert term.child.exitstatus == 0
    finally:
        if svc is not None:
            svc.close()
        term.close()
