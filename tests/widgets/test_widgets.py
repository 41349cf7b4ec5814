"""The reusable widgets colleagues build pages on: PagedTable, FormDialog, ConfirmDialog,
DetailDialog, ProgressDialog, and the formats."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from smsconsole.i18n import set_lang
from smsconsole.screens.dialogs import (
    ConfirmDialog,
    DetailDialog,
    Field,
    FormDialog,
    ProgressDialog,
    Section,
)
from smsconsole.services.errors import Invalid
from smsconsole.services.paging import Page
from smsconsole.store.models import ReviewStatus
from smsconsole.widgets import Column, PagedTable
from smsconsole.widgets.form_view import FieldRow
from smsconsole.widgets.format import dt, enum_label, fen, mask, num, yuan_to_fen
from tests.helpers import screen_text, settle


@dataclass
class Row:
    id: int
    name: str
    amount: int


ROWS = [Row(i, f"名字{i}" if i % 2 else f"name{i}", i * 150) for i in range(1, 24)]


def fake_fetch(rows, calls=None):
    """Keyset paging over a list, newest (highest id) first, like the services."""
    ordered = sorted(rows, key=lambda r: -r.id)

    def fetch(cursor, backward, limit):
        if calls is not None:
            calls.append((cursor, backward, limit))
        if cursor is None:
            chunk, more = ordered[:limit], len(ordered) > limit
            return Page(chunk, (chunk[0].id,) if chunk else None,
                        (chunk[-1].id,) if chunk else None, more, False)
        (key,) = cursor
        if backward:
            newer = [r for r in ordered if r.id > key]
            chunk = newer[-limit:]
            return Page(chunk, (chunk[0].id,), (chunk[-1].id,), True, len(newer) > limit)
        older = [r for r in ordered if r.id < key]
        chunk = older[:limit]
        return Page(chunk, (chunk[0].id,) if chunk else None,
                    (chunk[-1].id,) if chunk else None, len(older) > limit, True)

    return fetch


class TableApp(App):
    def __init__(self, fetch, **kwargs):
        super().__init__()
        self.fetch = fetch
        self.kwargs = kwargs
        self.chosen: list = []
        self.filters: list[str] = []

    def compose(self) -> ComposeResult:
        yield PagedTable([Column("id", "home.low.account", width=4, align="right"),
                          Column("name", "home.low.name"),
                          Column("amount", "home.low.remaining", align="right",
                                 render=lambda r: fen(r.amount))],
                         self.fetch, auto_load=True, on_filter_text=self.filters.append,
                         **self.kwargs)

    def on_paged_table_row_chosen(self, event: PagedTable.RowChosen) -> None:
        self.chosen.append(event.row)


async def test_paged_table_pages_by_keys():
    calls: list = []
    app = TableApp(fake_fetch(ROWS, calls), limit=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable).focus()
        assert [r.id for r in table.rows] == list(range(23, 13, -1))
        assert table.page_number == 1 and table.has_next and not table.has_prev
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert [r.id for r in table.rows] == list(range(13, 3, -1))
        assert table.page_number == 2
        await pilot.press("pagedown")
        await settle(pilot)
        assert [r.id for r in table.rows] == [3, 2, 1] and not table.has_next
        await pilot.press("pagedown")  # nothing after the end
        await settle(pilot)
        assert table.page_number == 3
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert [r.id for r in table.rows] == list(range(13, 3, -1))
        assert table.page_number == 2 and table.has_prev
        await pilot.press("home")
        await settle(pilot)
        assert table.page_number == 1 and table.rows[0].id == 23
        await pilot.press("j", "j", "k")
        assert table.selected.id == 22
        await pilot.press("enter")
        await settle(pilot)
        assert [r.id for r in app.chosen] == [22]
        status = str(table.query_one(".paged-table--status").render())
        assert "Page 1" in status and "10 rows" in status and "more" in status
        # Every fetch asked for one page only.
        assert all(limit == 10 for _c, _b, limit in calls)


async def test_paged_table_reload_keeps_position_and_filter_calls_back():
    app = TableApp(fake_fetch(ROWS), limit=5)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable).focus()
        await pilot.press("pagedown", "j", "j")
        await settle(pilot)
        assert table.selected.id == 16
        table.reload(keep_position=True)
        await settle(pilot)
        assert table.page_number == 2 and table.selected.id == 16
        table.reload()
        await settle(pilot)
        assert table.page_number == 1 and table.selected.id == 23
        await pilot.press("slash", *"abc", "enter")
        await settle(pilot)
        assert app.filters == ["abc"] and table.filter_text == "abc"
        assert app.focused is table.grid
        assert table.clear_filter() and app.filters == ["abc", ""]
        assert not table.clear_filter()


async def test_paged_table_limit_is_capped_and_errors_are_shown():
    def broken(cursor, backward, limit):
        raise Invalid("error.field.required", "x")

    app = TableApp(broken, limit=100_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.limit == 200
        assert str(table.query_one(".paged-table--status").render()) == "Required."


async def test_paged_table_lines_up_wide_characters():
    app = TableApp(fake_fetch(ROWS), limit=5)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        grid = app.query_one(PagedTable).grid
        # Column widths come from cell widths: 名字23 is 6 cells, name22 is 6 too.
        assert grid.columns["name"].content_width == max(cell_len("名字23"), cell_len("Name"))


async def test_paged_table_rows_drawn_before_measuring_get_their_full_width():
    """A frame drawn between filling the page and the idle measure must not stick: the
    records page once showed header-wide, cut columns ("2026-11-" for a date)."""
    long_rows = [Row(1, "x" * 30, 100)]
    app = TableApp(fake_fetch([]), limit=5)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        table._show(fake_fetch(long_rows)(None, False, 5), None, False, 1, 0)
        drawn_early = "".join(s.text for s in table.grid.render_line(1))
        assert "x" * 30 not in drawn_early  # drawn before the measure: cut
        await pilot.pause()
        await pilot.pause()
        drawn = "".join(s.text for s in table.grid.render_line(1))
        assert "x" * 30 in drawn


def test_every_table_is_a_grid():
    """The fix above lives in ``Grid``: a table built as a bare DataTable (the statistics
    table once was) would show the cut columns again."""
    import re
    from pathlib import Path

    import smsconsole

    root = Path(smsconsole.__file__).parent
    bare = [f"{p.relative_to(root)}:{n}" for p in root.rglob("*.py")
            for n, text in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"\bDataTable\(", text) and not text.lstrip().startswith("class ")]
    assert not bare, bare


class DialogApp(App):
    def __init__(self):
        super().__init__()
        self.results: list = []

    def done(self, result) -> None:
        self.results.append(result)


async def test_form_dialog_shows_errors_next_to_dotted_fields_and_stays_open():
    calls: list[dict] = []

    def submit(values: dict):
        calls.append(values)
        if values["scenario.register.sign_name"] == "bad":
            raise Invalid("error.field.too_short", "scenario.register.sign_name", min=2)
        if values["count"] == "0":
            raise Invalid("error.number.not_positive", "nowhere")
        return "saved"

    app = DialogApp()
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = FormDialog("form.save", [
            Field("name", "home.low.name", required=True),
            Section("wizard.s.ak"),
            [Field("scenario.register.sign_name", "wizard.f.sign_name"),
             Field("count", "home.low.remaining", kind="int", value=5)],
            Field("kind", "home.quota.type", kind="select", value="b",
                  choices=[("a", "enum.sms_type.general"), ("b", "enum.sms_type.promotion")]),
            Field("on", "wizard.f.sandbox", kind="checkbox"),
            Field("notes", "home.low.name", kind="textarea"),
        ], submit)
        app.push_screen(dialog, app.done)
        await settle(pilot)
        await pilot.press("ctrl+s")  # name is required: not even submitted
        await settle(pilot)
        assert calls == [] and dialog.form.row("name").has_class("-invalid")
        dialog.form.set_values({"name": "n", "scenario.register.sign_name": "bad"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        row = dialog.form.row("scenario.register.sign_name")
        assert row.has_class("-invalid")
        assert "At least 2" in str(row.query_one(".field--error").render())
        assert app.focused is row.input
        dialog.form.set_values({"scenario.register.sign_name": "ok", "count": "0"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # unknown field: shown at the top
        assert dialog.form.has_class("-has-error")
        dialog.form.set_values({"count": "3"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == ["saved"]
        assert calls[-1] == {"name": "n", "scenario.register.sign_name": "ok", "count": "3",
                             "kind": "b", "on": False, "notes": ""}


async def test_form_dialog_escape_cancels_and_enter_on_last_field_submits():
    app = DialogApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(FormDialog("form.save", [Field("a", "home.low.name")],
                                   lambda v: v["a"]), app.done)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        app.push_screen(FormDialog("form.save", [Field("a", "home.low.name"),
                                                 Field("b", "home.low.name")],
                                   lambda v: v["a"] + v["b"]), app.done)
        await settle(pilot)
        await pilot.press("x", "enter", "y", "enter")
        await settle(pilot)
        assert app.results == [None, "xy"]


async def test_confirm_detail_and_progress_dialogs():
    app = DialogApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ConfirmDialog("Delete 3 unpaid orders older than 30 days?"), app.done)
        await settle(pilot)
        await pilot.press("enter")  # the focus starts on Cancel
        await settle(pilot)
        app.push_screen(ConfirmDialog("Delete it?"), app.done)
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.results == [False, True]

        app.push_screen(DetailDialog("menu.users", [
            ("home.low.account", "acct01"), ("home.expiring.at", datetime(2026, 11, 25, 2,
                                                                          tzinfo=UTC)),
            ("home.quota.type", ReviewStatus.PENDING)], actions=[("e", "key.form.submit",
                                                                   "edit")]), app.done)
        await settle(pilot)
        text = screen_text(app)
        assert "2026-11-25 10:00" in text and "Pending" in text
        await pilot.press("e")
        await settle(pilot)
        assert app.results[-1] == "edit"

        def work(progress):
            for i in range(3):
                progress.update(i + 1, 3)
            return "synced"

        app.push_screen(ProgressDialog("progress.working", work), app.done)
        await settle(pilot)
        assert app.results[-1] == "synced"

        gate = threading.Event()

        def slow(progress):
            while not progress.is_cancelled():
                gate.wait(0.01)
            return "partial"

        app.push_screen(ProgressDialog("progress.working", slow), app.done)
        await pilot.pause()
        await pilot.press("c")
        await settle(pilot)
        assert app.results[-1] is None  # cancelled


def test_formats():
    set_lang("en")
    assert fen(123456) == "1,234.56" and fen(-5) == "-0.05" and fen(None) == ""
    assert yuan_to_fen("12.5") == 1250 and yuan_to_fen("1,000") == 100000
    with pytest.raises(ValueError):
        yuan_to_fen("1.234")
    assert num(1234567) == "1,234,567"
    assert dt(datetime(2026, 11, 25, 2, 0, tzinfo=UTC)) == "2026-11-25 10:00"
    assert enum_label(ReviewStatus.REJECTED) == "Rejected"
    set_lang("zh")
    assert enum_label(ReviewStatus.REJECTED) == "审批未通过"
    set_lang("en")
    assert mask("LTAI5tAbCdEfGh") == "LTA********"
    assert date(2026, 1, 1).isoformat() == "2026-01-01"


def test_every_catalog_entry_has_both_languages():
    from smsconsole.i18n import load_catalog

    for key, entry in load_catalog().items():
        assert entry.get("en") and entry.get("zh"), key


def test_every_admin_log_action_has_words_in_both_languages():
    """The admin log shows actions in words: every action a service records (literal,
    or per application kind) has a catalog entry."""
    import re
    from pathlib import Path

    import smsconsole.services as services_pkg
    from smsconsole.i18n import load_catalog

    catalog = load_catalog()
    found: set[str] = set()
    for path in Path(services_pkg.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"adminlog\.record\((.*?)\)", text, re.S):
            for lit in re.findall(r'f?"((?:\{self\.kind\})?\.?[a-z_]+\.[a-z_.]+|\{self\.kind\}\.[a-z_]+)"',
                                  call.group(1)):
                for kind in ("signature", "template"):
                    found.add(lit.replace("{self.kind}", kind))
    found |= {"settings.access.create", "settings.access.update"}  # chosen in settings.py
    assert {"auth.login", "signature.submit", "template.sync", "order.price"} <= found
    missing = sorted(a for a in found if f"adminlog.action.{a}" not in catalog)
    assert not missing, missing


def test_field_rows_use_ids_safe_for_dotted_names():
    row = FieldRow(Field("scenario.register.sign_name", "wizard.f.sign_name"))
    assert row.id == "f-scenario--register--sign_name"
