"""A page written the way colleagues write theirs (the contract in ``screens/__init__``),
used by the tests in place of a menu's real page: a PagedTable of users with a filter,
``set_filters`` recording what it got, an action opening a FormDialog."""

from __future__ import annotations

from textual.app import ComposeResult

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import Field, FormDialog
from smsconsole.widgets import Column, PagedTable, Tr, keybind
from smsconsole.widgets.format import num


class SamplePage(MenuPage):
    BINDINGS = [keybind("e", "edit", "sample.edit")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters: dict = {}
        self.chosen = []
        self.search = ""

    def compose(self) -> ComposeResult:
        yield Tr("menu.users")
        yield PagedTable(
            [Column("account", "home.low.account"), Column("name", "home.low.name"),
             Column("remaining", "home.low.remaining", align="right",
                    render=lambda row: num(sum(row.remaining.values())))],
            fetch=self._fetch, limit=2, on_filter_text=self._filter)

    def _fetch(self, cursor, backward, limit):
        from smsconsole.services.users import UserFilter

        return self.services.users.page(UserFilter(search=self.search), cursor, limit,
                                        backward=backward)

    def _filter(self, text: str) -> None:
        self.search = text
        self.query_one(PagedTable).reload()

    def set_filters(self, **filters) -> None:
        self.filters = filters

    def on_paged_table_row_chosen(self, event: PagedTable.RowChosen) -> None:
        self.chosen.append(event.row)

    def action_edit(self) -> None:
        row = self.query_one(PagedTable).selected
        if row is None:
            return

        def save(values: dict):
            from smsconsole.services.users import UserUpdate

            return self.services.users.update(self.actor, row.id, UserUpdate(**values))

        self.app.push_screen(FormDialog("users.edit", [
            Field("name", "home.low.name", value=row.name, required=True),
            Field("max_signatures", "home.low.remaining", kind="int", value=row.max_signatures),
        ], save), callback=lambda user: user and self.refresh_data())

    def command_palette_commands(self):
        return [(t("palette.help") + " (sample)", self.refresh_data)]
