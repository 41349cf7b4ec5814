"""短信包管理 (product.md §2.7): the package products shown on the website and the
purchase page — add, edit, delete (a product with orders is retired, not erased), and
the recommended / on-sale flags.

Prices are typed in yuan ("12.50") and stored in fen by the service; shown as yuan. The
products are a short list (``services.packages.list``), paged in memory.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import DetailDialog, Field, FormDialog
from smsconsole.screens.dialogs.users_common import (
    FilterLine,
    confirm,
    memory_page,
    palette_commands,
)
from smsconsole.screens.users import sms_type_choices
from smsconsole.services.packages import PackageInput
from smsconsole.services.validation import yuan
from smsconsole.store.enums import SmsType
from smsconsole.widgets import Column, PagedTable, keybind
from smsconsole.widgets.format import fen, num, yes_no


def _flag(value: bool) -> str:
    return "✓" if value else "—"


def _state(pkg) -> str:
    if pkg.retired:
        return t("packages.state.retired")
    return t("packages.state.on_sale") if pkg.on_sale else t("packages.state.off_sale")


def package_input(pkg, **changes: Any) -> PackageInput:
    """A product's current values as a ``PackageInput`` (prices as yuan text)."""
    data = dict(name=pkg.name, sms_type=pkg.sms_type.value, message_count=pkg.message_count,
                unit_price=yuan(pkg.unit_price_fen), validity_days=pkg.validity_days,
                price=yuan(pkg.price_fen), recommended=pkg.recommended, on_sale=pkg.on_sale)
    data.update(changes)
    return PackageInput(**data)


def _money_text(value: Any) -> Any:
    """The form's money text without thousands separators (the widget allows them,
    ``validation.money_fen`` does not)."""
    return value.replace(",", "") if isinstance(value, str) else value


class PackagesPage(MenuPage):
    BINDINGS = [
        keybind("n", "new", "packages.new"),
        keybind("e", "edit", "packages.edit"),
        keybind("d", "delete", "packages.delete"),
        keybind("o", "toggle_sale", "packages.toggle_sale"),
        keybind("m", "toggle_recommended", "packages.toggle_recommended"),
        keybind("f", "filters", "packages.filters"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search = ""
        self.include_retired = False

    def compose(self) -> ComposeResult:
        yield FilterLine("packages", id="packages-filters")
        yield PagedTable(
            [Column("name", "packages.col.name"),
             Column("sms_type", "packages.col.type"),
             Column("message_count", "packages.col.count", align="right"),
             Column("unit_price_fen", "packages.col.unit_price", align="right",
                    render=lambda p: fen(p.unit_price_fen)),
             Column("price_fen", "packages.col.price", align="right",
                    render=lambda p: fen(p.price_fen)),
             Column("validity_days", "packages.col.validity", align="right"),
             Column("recommended", "packages.col.recommended", align="center",
                    render=lambda p: _flag(p.recommended)),
             Column("state", "packages.col.state", render=_state)],
            fetch=self._fetch, on_filter_text=self._search_typed,
            filter_placeholder_key="packages.search.placeholder", id="packages-table")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_filters()

    # --- data ----------------------------------------------------------------------------

    @property
    def table(self) -> PagedTable:
        return self.query_one(PagedTable)

    def _fetch(self, cursor, backward: bool, limit: int):
        rows = self.services.packages.list(include_retired=self.include_retired,
                                           search=self.search)
        return memory_page(rows, cursor, backward, limit)

    def _search_typed(self, text: str) -> None:
        self.search = text
        self.table.reload()

    def _show_filters(self) -> None:
        self.query_one(FilterLine).show(
            [("packages.f.include_retired", t("format.yes") if self.include_retired else None)])

    def clear_filter(self) -> bool:
        cleared = super().clear_filter()
        if self.include_retired:
            self.include_retired = False
            self._show_filters()
            self.table.reload()
            cleared = True
        return cleared

    def action_filters(self) -> None:
        def chosen(values: dict | None) -> None:
            if values is not None:
                self.include_retired = bool(values["include_retired"])
                self._show_filters()
                self.table.reload()

        self.app.push_screen(FormDialog("packages.filters.title", [
            Field("include_retired", "packages.f.include_retired", kind="checkbox",
                  value=self.include_retired, help_key="packages.f.include_retired.help"),
        ], lambda values: values, submit_label_key="packages.filters.apply"), chosen)

    def _selected(self):
        row = self.table.selected
        if row is None:
            self.app.notify(t("packages.no_row"), severity="warning")
        return row

    def _done(self, key: str, **params: Any) -> None:
        self.notify_ok(key, **params)
        self.refresh_data()

    # --- view ----------------------------------------------------------------------------

    def on_paged_table_row_chosen(self, event: PagedTable.RowChosen) -> None:
        event.stop()
        self.show_detail(event.row)

    def action_view(self) -> None:
        row = self._selected()
        if row is not None:
            self.show_detail(row)

    def show_detail(self, pkg) -> None:
        pairs = [("packages.col.name", pkg.name), ("packages.col.type", pkg.sms_type),
                 ("packages.col.count", num(pkg.message_count)),
                 ("packages.col.unit_price", t("packages.yuan", amount=fen(pkg.unit_price_fen))),
                 ("packages.col.price", t("packages.yuan", amount=fen(pkg.price_fen))),
                 ("packages.col.validity", t("packages.days", n=pkg.validity_days)),
                 ("packages.col.recommended", yes_no(pkg.recommended)),
                 ("packages.col.state", _state(pkg)),
                 ("packages.col.created", pkg.created_at),
                 ("packages.col.updated", pkg.updated_at)]
        actions = [] if pkg.retired else [("e", "key.packages.edit", "edit")]
        actions.append(("d", "key.packages.delete", "delete"))

        def chosen(choice: str | None) -> None:
            if choice:
                getattr(self, f"_{choice}")(pkg)

        self.app.push_screen(DetailDialog("packages.detail.title", pairs, actions=actions,
                                          name=pkg.name), chosen)

    # --- add / edit ------------------------------------------------------------------------

    def _fields(self, pkg=None) -> list:
        data = package_input(pkg) if pkg is not None else PackageInput(
            message_count="", unit_price="", validity_days=365, price="", recommended=False,
            on_sale=True)
        return [
            Field("name", "packages.col.name", value=data.name, required=True),
            Field("sms_type", "packages.col.type", kind="select", required=True,
                  value=data.sms_type, choices=sms_type_choices()),
            [Field("message_count", "packages.f.count", kind="int", value=data.message_count,
                   required=True),
             Field("validity_days", "packages.f.validity", kind="int",
                   value=data.validity_days, required=True)],
            [Field("unit_price", "packages.f.unit_price", kind="money", value=data.unit_price,
                   required=True, help_key="packages.f.unit_price.help"),
             Field("price", "packages.f.price", kind="money", value=data.price,
                   required=True, help_key="packages.f.price.help")],
            Field("recommended", "packages.f.recommended", kind="checkbox",
                  value=data.recommended, help_key="packages.f.recommended.help"),
            Field("on_sale", "packages.f.on_sale", kind="checkbox", value=data.on_sale,
                  help_key="packages.f.on_sale.help"),
        ]

    @staticmethod
    def _input(values: dict) -> PackageInput:
        return PackageInput(
            name=values["name"], sms_type=values["sms_type"] or SmsType.NOTIFICATION.value,
            message_count=values["message_count"], unit_price=_money_text(values["unit_price"]),
            validity_days=values["validity_days"], price=_money_text(values["price"]),
            recommended=bool(values["recommended"]), on_sale=bool(values["on_sale"]))

    def action_new(self) -> None:
        def save(values: dict):
            return self.services.packages.create(self.actor, self._input(values))

        self.app.push_screen(FormDialog("packages.new.title", self._fields(), save,
                                        intro_key="packages.form.intro"),
                             lambda pkg: pkg and self._done("packages.new.done", name=pkg.name))

    def action_edit(self) -> None:
        row = self._selected()
        if row is not None:
            self._edit(row)

    def _edit(self, pkg) -> None:
        if pkg.retired:
            self.app.notify(t("packages.retired_no_edit", name=pkg.name), severity="warning")
            return

        def save(values: dict):
            return self.services.packages.update(self.actor, pkg.id, self._input(values))

        self.app.push_screen(FormDialog("packages.edit.title", self._fields(pkg), save,
                                        intro_key="packages.form.intro", name=pkg.name),
                             lambda new: new and self._done("packages.edit.done", name=new.name))

    # --- flags -----------------------------------------------------------------------------

    def action_toggle_sale(self) -> None:
        self._toggle("on_sale")

    def action_toggle_recommended(self) -> None:
        self._toggle("recommended")

    def _toggle(self, flag: str) -> None:
        pkg = self._selected()
        if pkg is None:
            return
        if pkg.retired:
            self.app.notify(t("packages.retired_no_edit", name=pkg.name), severity="warning")
            return
        value = not getattr(pkg, flag)

        def toggle():
            """The product as stored now, with only this flag changed."""
            current = self.services.packages.get(pkg.id)
            changes = {flag: value}
            if flag == "on_sale" and not value:
                changes["recommended"] = False  # off sale is not recommended any more
            return self.services.packages.update(self.actor, pkg.id,
                                                 package_input(current, **changes))

        key = f"packages.{flag}.{'on' if value else 'off'}"
        self.run_service(toggle, on_done=lambda new: self._done(key, name=new.name))

    # --- delete / retire -------------------------------------------------------------------

    def action_delete(self) -> None:
        row = self._selected()
        if row is not None:
            self._delete(row)

    def _delete(self, pkg) -> None:
        """Ask the order count first: the confirmation says whether the product will be
        erased or retired."""

        def ask(orders: int) -> None:
            if orders:
                message = t("packages.delete.confirm_retire", name=pkg.name, n=num(orders))
                yes = "packages.delete.retire_yes"
            else:
                message = t("packages.delete.confirm_erase", name=pkg.name)
                yes = "packages.delete.erase_yes"
            confirm(self, message, lambda: self.run_service(
                self.services.packages.delete, self.actor, pkg.id,
                on_done=lambda outcome: self._done(f"packages.delete.{outcome}", name=pkg.name)),
                confirm_key=yes)

        self.run_service(self.services.packages.order_count, pkg.id, on_done=ask)

    def command_palette_commands(self):
        return palette_commands(self, [("packages.action.view", "view")])


__all__ = ["PackagesPage", "package_input"]
