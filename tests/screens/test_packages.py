"""短信包管理 (product.md §2.7) by keys: list, add, edit, the on-sale / recommended flags,
delete (erased without orders, retired with orders, the confirmation says which); prices
typed in yuan, stored in fen, shown as yuan; a bad price refused next to its field."""

from __future__ import annotations

from smsconsole.screens.dialogs import ConfirmDialog, FormDialog
from smsconsole.store.models import PackageProduct, SmsType
from tests.helpers import (
    SIZE,
    Text,
    build_app,
    count_rows,
    field_error,
    fill,
    logs,
    notes,
    open_page,
    press,
    select_row,
    text_of,
)


def shown(page) -> list[tuple[str, str, str]]:
    grid = page.table.grid
    return [(str(grid.get_row_at(i)[0]), str(grid.get_row_at(i)[4]), str(grid.get_row_at(i)[7]))
            for i in range(grid.row_count)]


async def test_add_edit_flags_and_delete(admin_services, seed):
    services = admin_services
    app = build_app(services, actor=seed.actor)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "packages")
        assert shown(page) == [("推广短信包 2万条", "1,000.00", "Off sale"),
                               ("验证码包 5千条", "225.00", "On sale"),
                               ("通知短信包 1万条", "400.00", "On sale")]

        # n: a bad price is refused next to its field and nothing is saved.
        await press(pilot, "n")
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, {"name": "体验包", "sms_type": SmsType.GENERAL.value})
        form = app.screen.form
        for name, keys in (("message_count", "1000"), ("unit_price", "0.05"),
                           ("price", "0")):
            form.focus_field(name)
            await pilot.pause()
            await press(pilot, Text(keys))
        await press(pilot, "ctrl+s")
        assert field_error(app, "price") == "The amount must be greater than zero."
        assert count_rows(services, PackageProduct) == 3
        # Typed in yuan (with a thousands separator the field allows): saved in fen.
        form.focus_field("price")
        await pilot.pause()
        await press(pilot, "backspace", Text("1,045.5"), "ctrl+s")
        assert not isinstance(app.screen, FormDialog)
        assert "Added the package “体验包”." in notes(app)
        assert shown(page)[0] == ("体验包", "1,045.50", "On sale")
        new = services.packages.list(search="体验包")[0]
        assert (new.price_fen, new.unit_price_fen, new.message_count) == (104550, 5, 1000)

        # e: edit a price; the admin log has old → new in fen.
        await select_row(pilot, page, lambda p: p.name == "验证码包 5千条")
        await press(pilot, "e")
        assert app.screen.form.values()["price"] == "225.00"  # prefilled in yuan
        await fill(pilot, {"price": "199.9"})
        await press(pilot, "ctrl+s")
        assert "Saved the package “验证码包 5千条”." in notes(app)
        entry = logs(services, "package.update")[-1]
        assert entry.data == {"price_fen": [22500, 19990]}

        # o / m: the flags.
        await select_row(pilot, page, lambda p: p.name == "推广短信包 2万条")
        await press(pilot, "o")
        assert "“推广短信包 2万条” is on sale." in notes(app)
        await press(pilot, "m")
        assert "“推广短信包 2万条” is recommended on the web page." in notes(app)
        row = next(p for p in page.table.rows if p.name == "推广短信包 2万条")
        assert row.on_sale and row.recommended
        assert logs(services, "package.update")[-1].data == {"recommended": [False, True]}

        # d without orders: erased (the confirmation says so).
        await select_row(pilot, page, lambda p: p.name == "体验包")
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmDialog)
        assert "erased for good" in text_of(app.screen.query_one("#confirm-message"))
        await press(pilot, "y")
        assert "Erased the package “体验包”." in notes(app)
        assert services.packages.list(include_retired=True, search="体验包") == []

        # d with an order: retired, not erased.
        await select_row(pilot, page, lambda p: p.name == "通知短信包 1万条")
        await press(pilot, "d")
        message = text_of(app.screen.query_one("#confirm-message"))
        assert "has 1 orders" in message and "retired, not erased" in message
        await press(pilot, "y")
        assert "Retired the package “通知短信包 1万条” (it has orders)." in notes(app)
        assert "通知短信包 1万条" not in [p.name for p in page.table.rows]
        # f: include the retired ones; a retired package cannot be edited.
        await press(pilot, "f")
        await fill(pilot, {"include_retired": True})
        await press(pilot, "ctrl+s")
        assert ("通知短信包 1万条", "400.00", "Retired") in shown(page)
        await select_row(pilot, page, lambda p: p.name == "通知短信包 1万条")
        await press(pilot, "e")
        assert not isinstance(app.screen, FormDialog)
        assert "is retired and cannot be changed" in notes(app)[-1]

    assert logs(services, "package.create")[-1].data["price_fen"] == [None, 104550]
    assert logs(services, "package.delete")[-1].target == "体验包"
    assert logs(services, "package.retire")[-1].data == {"orders": 1}
