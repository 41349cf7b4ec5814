"""短信包管理 (product.md §2.7): the package products shown on the website and the
purchase page — add, edit, delete (a product with orders is retired, not erased), and
the recommended / on-sale flags.

Prices are typed in yuan ("12.50") and stored in fen by the service; shown as yuan. The
products are a short list (``services.packages.list``), paged in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smsconsole.i18n import t
from smsconsole.screens.base import palette_commands
from smsconsole.screens.dialogs import Field, FormDialog
from smsconsole.screens.dialogs.confirm import confirm
from smsconsole.screens.list_page import ListPage, memory_page
from smsconsole.screens.users import sms_type_choices
from smsconsole.services.packages import PackageInput
from smsconsole.services.validation import yuan
from smsconsole.store.enums import SmsType
from smsconsole.widgets import Column, keybind
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


@dataclass(frozen=True)
class PackageFilter:
    """What the products list shows: ``/`` text, and retired products or not."""

    search: str = ""
    include_retired: bool = False


class PackagesPage(ListPage):
    FILTER = PackageFilter
    FILTER_PREFIX = "packages"
    QUICK_KEY = "packages.search.placeholder"
    NO_ROW_KEY = "packages.no_row"
    APPLY_KEY = "packages.filters.apply"
    FORM_TAKES_QUICK = False  # the search stays apart from the filter form
    COLUMNS = [
        Column("name", "packages.col.name"),
        Column("sms_type", "packages.col.type"),
        Column("message_count", "packages.col.count", align="right"),
        Column("unit_price_fen", "packages.col.unit_price", align="right",
               render=lambda p: fen(p.unit_price_fen)),
        Column("price_fen", "packages.col.price", align="right",
               render=lambda p: fen(p.price_fen)),
        Column("validity_days", "packages.col.validity", align="right"),
        Column("recommended", "packages.col.recommended", align="center",
               render=lambda p: _flag(p.recommended)),
        Column("state", "packages.col.state", render=_state),
    ]
    BINDINGS = [
        keybind("n", "new", "packages.new"),
        keybind("e", "edit", "packages.edit"),
        keybind("d", "delete", "packages.delete"),
        keybind("o", "toggle_sale", "packages.toggle_sale"),
        keybind("m", "toggle_recommended", "packages.toggle_recommended"),
        keybind("f", "filters", "packages.filters"),
    ]

    # --- data ----------------------------------------------------------------------------

    def fetch(self, flt: PackageFilter, cursor, backward: bool, limit: int):
        rows = self.services.packages.list(include_retired=flt.include_retired,
                                           search=flt.search)
        return memory_page(rows, cursor, backward, limit)

    def effective_filter(self) -> PackageFilter:
        return PackageFilter(search=self.quick, include_retired=self.flt.include_retired)

    def filter_parts(self) -> list:
        return [("packages.f.include_retired",
                 t("format.yes") if self.flt.include_retired else None)]

    def action_filters(self) -> None:
        self.open_filters("packages.filters.title", [
            Field("include_retired", "packages.f.include_retired", kind="checkbox",
                  value=self.flt.include_retired, help_key="packages.f.include_retired.help"),
        ], lambda values: PackageFilter(include_retired=bool(values["include_retired"])))

    def _done(self, key: str, **params: Any) -> None:
        self.notify_ok(key, **params)
        self.refresh_data()

    # --- view ----------------------------------------------------------------------------

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
        actions = [] if pkg.retired else [("e", "key.packages.edit", self._edit)]
        actions.append(("d", "key.packages.delete", self._delete))
        self.show_actions("packages.detail.title", pairs, actions, pkg, name=pkg.name)

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
        self.with_selected(self._edit)

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
        self.with_selected(lambda pkg: self._toggle_row(pkg, flag))

    def _toggle_row(self, pkg, flag: str) -> None:
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
        self.with_selected(self._delete)

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


__all__ = ["PackagesPage", "PackageFilter", "package_input"]
