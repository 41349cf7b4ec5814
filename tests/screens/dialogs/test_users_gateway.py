"""用户管理 → a user's detail → API access (k): AccessKeys (the secret shown once),
disable/enable/delete, callback URLs and QPS limit (refusals next to the field), push
health; each change in the admin log."""

from __future__ import annotations

from textual.widgets import DataTable

from smsconsole.screens.dialogs import ConfirmDialog, DetailDialog, FormDialog
from smsconsole.screens.dialogs.users_gateway import GatewayKeysDialog
from smsconsole.store.models import KeyStatus
from tests.helpers import (
    SIZE,
    build_app,
    field_error,
    fill,
    logs,
    open_page,
    press,
    select_row,
    text_of,
)


async def test_access_keys_callbacks_and_push_health(admin_services, seed):
    svc = admin_services
    app = build_app(svc, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "users")
        await select_row(pilot, page, lambda r: r.account == "acct02")
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailDialog)
        await press(pilot, "k")
        dialog = app.screen
        assert isinstance(dialog, GatewayKeysDialog)
        assert "No AccessKey yet" in text_of(dialog.query_one("#list-status"))
        # n: a key; its secret is shown once, in a dialog of its own.
        await press(pilot, "n")
        shown = app.screen
        assert isinstance(shown, DetailDialog)
        (key,) = svc.keys.list(seed.users["acct02"])
        secret = svc.keys.auth(key.access_key_id).secret
        body = text_of(shown.query_one("#detail-table"))
        assert key.access_key_id in body and secret in body
        await press(pilot, "escape")
        assert app.screen is dialog
        grid = dialog.query_one(DataTable)
        cells = [str(c) for c in grid.get_row_at(0)]
        assert cells[0] == key.access_key_id and cells[2] == "never" and cells[3] == "Enabled"
        assert all(secret not in str(c) for c in cells)
        # d: disable, d again: enable.
        await press(pilot, "d")
        assert svc.keys.list(seed.users["acct02"])[0].status == KeyStatus.DISABLED
        assert str(grid.get_row_at(0)[3]) == "Disabled"
        await press(pilot, "d")
        assert svc.keys.list(seed.users["acct02"])[0].status == KeyStatus.ENABLED
        # c: callbacks; a bad URL is refused next to its field and changes nothing.
        await press(pilot, "c")
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, {"report_url": "ftp://example.com/r", "qps": "50"})
        await press(pilot, "ctrl+s")
        assert "http" in field_error(app, "report_url")
        assert svc.keys.customer(seed.users["acct02"]).qps_limit is None
        await fill(pilot, {"report_url": "https://example.com/r"})
        await press(pilot, "ctrl+s")
        assert app.screen is dialog
        cfg = svc.keys.customer(seed.users["acct02"])
        assert (cfg.report_url, cfg.qps_limit) == ("https://example.com/r", 50)
        status = text_of(dialog.query_one("#list-status"))
        assert "https://example.com/r" in status and "given up 0" in status
        # x: delete, after a confirmation.
        await press(pilot, "x")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        assert svc.keys.list(seed.users["acct02"]) == []
    actions = [e.action for e in logs(svc, "gateway.key_create")
               + logs(svc, "gateway.key_disable") + logs(svc, "gateway.key_enable")
               + logs(svc, "gateway.settings") + logs(svc, "gateway.key_delete")]
    assert actions == ["gateway.key_create", "gateway.key_disable", "gateway.key_enable",
                       "gateway.settings", "gateway.key_delete"]
    assert all(secret not in str(e.data) for e in logs(svc, "gateway.key_create"))
