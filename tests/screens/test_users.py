"""用户管理 (product.md §2.5) by keys: list with quota per type, search, status filter,
edit (limits), allocate, allocation records with status change, the user's signatures
and templates with delete, freeze / restore — and each refusal shown in the UI.

Each test runs one app and walks through several scenarios (starting the console costs
more than a scenario); each scenario leaves the page as it found it.
"""

from __future__ import annotations

from textual.widgets import DataTable

from smsconsole.screens.dialogs import ConfirmDialog, DetailDialog, FormDialog
from smsconsole.screens.dialogs.users_applications import UserApplicationsDialog
from smsconsole.screens.dialogs.users_holdings import HoldingsDialog
from smsconsole.store.models import HoldingStatus, SmsType, UserStatus
from tests.helpers import (
    SIZE,
    Text,
    build_app,
    field_error,
    fill,
    form_error,
    logs,
    notes,
    open_page,
    press,
    select_row,
    text_of,
)


def accounts(page) -> list[str]:
    return [row.account for row in page.table.rows]


async def test_list_search_filter_and_palette(admin_services, seed):
    app = build_app(admin_services, lang="zh", actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "users")
        assert accounts(page) == ["acct05", "acct04", "acct03", "acct02", "acct01"]
        # 通用 / 通知 / 验证码 / 推广: 1,000 general; 5,000 allocated + 10,000 bought.
        grid = page.table.grid
        cells = dict(zip((str(k.value) for k in grid.columns), grid.get_row_at(4),
                         strict=True))
        assert [str(cells[f"q_{t}"]) for t in ("general", "notification", "verification",
                                               "promotion")] == ["1,000", "15,000", "200", "0"]

        # / search: a phone prefix, then a name.
        await press(pilot, "slash", Text("13900000002"), "enter")
        assert accounts(page) == ["acct02"]
        await press(pilot, "slash")
        app.focused.value = ""
        await press(pilot, Text("王强"), "enter")
        assert accounts(page) == ["acct03"]
        await press(pilot, "escape")  # esc clears the search and stays on the page
        assert app.main_screen.current == "users" and len(accounts(page)) == 5

        # f: the status filter.
        await press(pilot, "f")
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, {"status": UserStatus.FROZEN.value})
        await press(pilot, "ctrl+s")
        assert accounts(page) == ["acct04"]
        assert "状态 已冻结" in text_of(page.query_one("#users-filters"))
        await press(pilot, "escape")
        assert app.main_screen.current == "users" and len(accounts(page)) == 5

        # Every action is in the command palette too.
        titles = [title for title, _ in page.command_palette_commands()]
        assert titles == ["用户管理 › 查看", "用户管理 › 编辑", "用户管理 › 分配短信包",
                          "用户管理 › 分配记录", "用户管理 › 查看签名", "用户管理 › 查看模板",
                          "用户管理 › 冻结/恢复", "用户管理 › 条件筛选"]
        await press(pilot, "ctrl+p", Text("分配短信包"), "enter")
        assert isinstance(app.screen, FormDialog)
        assert "为 acct05 分配短信包" in text_of(app.screen.query_one("#dialog-title"))


async def test_edit_allocate_freeze_and_restore(admin_services, seed):
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "users")
        await edit_limits(pilot, app, page, admin_services, seed)
        await allocate_refusing_a_past_expiry(pilot, app, page, admin_services, seed)
        await freeze_then_restore(pilot, app, page, admin_services, seed)
        await freeze_a_user_frozen_meanwhile(pilot, app, page, admin_services, seed)


async def edit_limits(pilot, app, page, services, seed):
    await press(pilot, "j", "j", "j")  # acct02
    await press(pilot, "enter")
    assert isinstance(app.screen, DetailDialog)
    assert "13900000002" in text_of(app.screen.query_one("#detail-table"))
    await press(pilot, "e")  # the detail's own edit key
    assert isinstance(app.screen, FormDialog)
    # A refusal next to its field; nothing saved.
    await fill(pilot, {"phone": "12345", "max_signatures": "3"})
    await press(pilot, "ctrl+s")
    assert "not a mainland mobile number" in field_error(app, "phone")
    assert services.users.get(seed.users["acct02"]).max_signatures == 5
    await fill(pilot, {"phone": "13900000002"})
    app.screen.form.focus_field("max_templates")
    await pilot.pause()
    await press(pilot, "end", "backspace", "backspace", "2", "0", "ctrl+s")
    assert not isinstance(app.screen, FormDialog)
    assert "Saved user acct02." in notes(app)
    user = services.users.get(seed.users["acct02"])
    assert (user.max_signatures, user.max_templates) == (3, 20)
    entry = logs(services, "user.update")[-1]
    assert (entry.target, entry.admin_name) == ("acct02", "管理员")
    assert entry.data == {"max_signatures": [5, 3], "max_templates": [10, 20]}


async def allocate_refusing_a_past_expiry(pilot, app, page, services, seed):
    await select_row(pilot, page, lambda r: r.account == "acct05")
    await press(pilot, "a")
    await fill(pilot, {"sms_type": SmsType.PROMOTION.value, "expires_on": "2026-11-24"})
    app.screen.form.focus_field("count")
    await pilot.pause()
    await press(pilot, Text("500"), "ctrl+s")
    assert "2026-11-24 is in the past" in field_error(app, "expires_on")
    assert services.holdings.for_user(seed.users["acct05"]) == []
    await fill(pilot, {"expires_on": "2026-12-31"})
    await press(pilot, "ctrl+s")
    assert not isinstance(app.screen, FormDialog)
    assert "Allocated 500 Promotion messages to acct05, valid through 2026-12-31." in notes(app)
    row = page.table.rows[0]
    assert row.account == "acct05" and row.remaining[SmsType.PROMOTION] == 500
    entry = logs(services, "holding.allocate")[-1]
    assert entry.target == "acct05"
    assert (entry.data["count"], entry.data["expires_on"]) == (500, "2026-12-31")


async def freeze_then_restore(pilot, app, page, services, seed):
    await select_row(pilot, page, lambda r: r.account == "acct05")
    await press(pilot, "z")
    assert isinstance(app.screen, FormDialog)
    await press(pilot, "ctrl+s")
    assert field_error(app, "reason") == "Required."
    await press(pilot, Text("overdue"), "ctrl+s")
    assert "Froze acct05." in notes(app)
    assert page.table.rows[0].status == UserStatus.FROZEN
    await press(pilot, "z")
    assert isinstance(app.screen, ConfirmDialog)
    assert "overdue" in text_of(app.screen.query_one("#confirm-message"))
    await press(pilot, "y")
    assert "Restored acct05." in notes(app)
    assert page.table.rows[0].status == UserStatus.NORMAL
    freeze, restore = logs(services, "user.freeze")[-1], logs(services, "user.restore")[-1]
    assert freeze.data == {"status": ["normal", "frozen"], "reason": "overdue"}
    assert restore.data == {"status": ["frozen", "normal"], "reason": ["overdue", ""]}


async def freeze_a_user_frozen_meanwhile(pilot, app, page, services, seed):
    await select_row(pilot, page, lambda r: r.account == "acct05")
    # Another admin freezes acct05 while this list still shows it normal.
    services.users.freeze(seed.actor, seed.users["acct05"], "elsewhere")
    count = len(logs(services, "user.freeze"))
    await press(pilot, "z")
    await press(pilot, Text("again"), "ctrl+s")
    assert isinstance(app.screen, FormDialog)
    assert form_error(app) == "acct05 is already frozen."
    await press(pilot, "escape")
    assert services.users.get(seed.users["acct05"]).freeze_reason == "elsewhere"
    assert len(logs(services, "user.freeze")) == count


async def test_allocation_records_signatures_and_templates(admin_services, seed):
    app = build_app(admin_services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "users")
        await allocation_records_and_status(pilot, app, page, admin_services)
        await signatures_and_templates_with_delete(pilot, app, page, admin_services)


async def allocation_records_and_status(pilot, app, page, services):
    await select_row(pilot, page, lambda r: r.account == "acct01")
    await press(pilot, "h")
    dialog = app.screen
    assert isinstance(dialog, HoldingsDialog)
    grid = dialog.query_one(DataTable)
    cells = [[str(c) for c in grid.get_row_at(i)] for i in range(grid.row_count)]
    assert len(cells) == 4
    # Newest first: the order's holding, then the admin allocations.
    assert cells[0][1:3] == ["Notification", "10,000"]
    assert cells[0][7] == "Order 2026112200000001"
    assert cells[1][1] == "Verification" and cells[1][5] == "2027-02-13"  # 11-15 + 90 days
    assert cells[1][7] == "Admin allocation"
    # s: the general package's status → invalid.
    target = next(i for i, row in enumerate(dialog.rows) if row.sms_type == SmsType.GENERAL)
    grid.move_cursor(row=target)
    await press(pilot, "s")
    assert isinstance(app.screen, FormDialog)
    await fill(pilot, {"status": HoldingStatus.INVALID.value})
    await press(pilot, "ctrl+s")
    assert app.screen is dialog
    assert str(grid.get_row_at(target)[6]) == "Invalid"
    assert any(n.endswith("Normal → Invalid.") for n in notes(app))
    # The same status again: the service says no, next to the field.
    await press(pilot, "s", "ctrl+s")
    assert field_error(app, "status") == "" and "already invalid" in form_error(app).lower()
    await press(pilot, "escape", "escape")
    assert app.screen.id == "main"
    row = next(r for r in page.table.rows if r.account == "acct01")
    assert row.remaining[SmsType.GENERAL] == 0  # an invalid package is not usable
    assert logs(services, "holding.status")[-1].data == {"status": ["normal", "invalid"]}


async def signatures_and_templates_with_delete(pilot, app, page, services):
    await select_row(pilot, page, lambda r: r.account == "acct01")
    await press(pilot, "s")
    dialog = app.screen
    assert isinstance(dialog, UserApplicationsDialog)
    assert [row.name for row in dialog.rows] == ["速达科技", "云顶科技"]
    await press(pilot, "d")
    assert isinstance(app.screen, ConfirmDialog)
    message = text_of(app.screen.query_one("#confirm-message"))
    assert "速达科技" in message and "acct01" in message
    await press(pilot, "n")  # cancelled: nothing goes
    assert len(dialog.rows) == 2
    await press(pilot, "d", "y")
    assert [row.name for row in dialog.rows] == ["云顶科技"]
    assert "Deleted the signature “速达科技” of acct01." in notes(app)
    entry = logs(services, "signature.delete")[-1]
    assert (entry.data["user"], entry.data["name"]) == ("acct01", "速达科技")
    await press(pilot, "escape", "t")
    assert [row.code for row in app.screen.rows] == ["SMS_100000004", "SMS_200000001"]
    await press(pilot, "escape")
