"""风控 (product.md §7): the rules and their settings, the tasks held for review, the
blacklist and the blocked words, and how often each rule hit (today and 30 days).

One list at a time under the summary: ``h`` held tasks (``enter``: content, numbers, the
customer's last 30 days; release or reject with a reason), ``w`` blocked words, ``b`` the
blacklist (``n`` add, ``d`` remove, ``i`` import from a file, ``/`` search). ``s`` edits
the settings (errors next to the field, nothing saved on refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.screens.dialogs import ConfirmDialog, Field, FormDialog, Section
from smsconsole.screens.list_page import ListPage, memory_page
from smsconsole.services.paging import Page
from smsconsole.services.risk import RULES, RiskService, read_lines
from smsconsole.widgets import Column, keybind
from smsconsole.widgets.format import day, dt, num

MODES = ("held", "words", "blacklist")
BARS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    """One character a value, scaled to the largest."""
    top = max(values, default=0)
    return "".join(BARS[max(1, round(v * (len(BARS) - 1) / top))] if v > 0 else "·"
                   for v in values)


def _kind(row: Any) -> str:
    return t(f"risk.kind.{row.kind}")


HELD_COLUMNS = [
    Column("task_id", "risk.col.task", align="right", render=lambda r: f"#{r.task_id}"),
    Column("created_at", "risk.col.created", render=lambda r: dt(r.created_at)),
    Column("account", "risk.col.user"),
    Column("kind", "risk.col.kind", render=_kind),
    Column("numbers", "risk.col.numbers", align="right", render=lambda r: num(r.numbers)),
    Column("hold_until", "risk.col.until", render=lambda r: dt(r.hold_until, blank="—")),
    Column("content", "risk.col.content", render=lambda r: r.content[:40]),
]
WORD_COLUMNS = [
    Column("word", "risk.col.word"),
    Column("norm", "risk.col.norm"),
    Column("created_at", "risk.col.added", render=lambda r: dt(r.created_at)),
]
NUMBER_COLUMNS = [
    Column("phone", "risk.col.phone"),
    Column("note", "risk.col.note"),
    Column("created_at", "risk.col.added", render=lambda r: dt(r.created_at)),
]

CAP_TYPES = ("verification", "notification", "promotion")


def settings_fields(st) -> list:
    return [
        Field("enabled", "risk.f.enabled", kind="checkbox", value=st.enabled),
        Section("risk.s.frequency"),
        *[[Field(f"{kind}_{w}", f"risk.f.{kind}_{w}", kind="int",
                 value=getattr(st, f"{kind}_{w}")) for w in ("minute", "hour", "day")]
          for kind in CAP_TYPES],
        Section("risk.s.limits"),
        [Field("day_limit", "risk.f.day_limit", kind="int", value=st.day_limit),
         Field("month_limit", "risk.f.month_limit", kind="int", value=st.month_limit)],
        Section("risk.s.quiet"),
        [Field("quiet_mode", "risk.f.quiet_mode", kind="select", value=st.quiet_mode,
               choices=[(m, f"risk.quiet.{m}") for m in ("off", "hold", "refuse")]),
         Field("quiet_start", "risk.f.quiet_start", value=st.quiet_start),
         Field("quiet_end", "risk.f.quiet_end", value=st.quiet_end)],
        Section("risk.s.volume"),
        Field("volume_hold", "risk.f.volume_hold", kind="checkbox", value=st.volume_hold),
        [Field("volume_multiple", "risk.f.volume_multiple", kind="int",
               value=st.volume_multiple),
         Field("volume_floor", "risk.f.volume_floor", kind="int", value=st.volume_floor),
         Field("volume_absolute", "risk.f.volume_absolute", kind="int",
               value=st.volume_absolute)],
    ]


@dataclass(frozen=True)
class RiskSearch:
    """What a risk list is narrowed to: its ``/`` text (words and blacklist)."""

    text: str = ""


class RiskList(ListPage):
    """One list of the risk page (``h``/``w``/``b`` switch between them): a ``ListPage``
    for search, paging, ``esc`` and ``enter``, without its own filter line (the page's
    list title says which list it is). ``r`` and every change refresh the whole page."""

    MODE: ClassVar[str]
    FILTER = RiskSearch
    FILTER_LINE = False

    def __init__(self, page: RiskControlPage) -> None:
        super().__init__(page.services, page.actor, id=f"risk-{self.MODE}-list")
        self.owner_page = page

    @property
    def risk(self) -> RiskService:
        return self.services.risk

    @property
    def list_id(self) -> str:
        return f"risk-{self.MODE}-list"

    @property
    def table_id(self) -> str:
        return f"risk-{self.MODE}"

    def effective_filter(self) -> RiskSearch:
        return replace(self.flt, text=self.quick)

    def refresh_data(self) -> None:
        """The summary and this list (``r``, after a change)."""
        self.owner_page.refresh_data()

    def reload_list(self) -> None:
        super().refresh_data()


class HeldList(RiskList):
    """The tasks held for review; ``enter``: content, numbers, the customer's last 30
    days, with release (``a``) and reject (``j``)."""

    MODE = "held"
    COLUMNS = HELD_COLUMNS
    EMPTY_KEY = "risk.held.empty"

    def fetch(self, flt: RiskSearch, cursor, backward: bool, limit: int) -> Page:
        return memory_page(self.risk.held(), cursor, backward, limit)

    def show_detail(self, row) -> None:
        self.show_held(row.task_id)

    def show_held(self, task_id: int) -> None:
        def fetch():
            row = self.risk.held_task(task_id)
            return row, self.risk.customer_days(row.user_id, 30)

        self.run_service(fetch, on_done=lambda got: self._held_detail(*got), group="held")

    def _held_detail(self, row, days: list) -> None:
        series = [n for _, n in days]
        pairs = [
            ("risk.col.user", f"{row.account} · {row.user_name}"),
            ("risk.col.created", row.created_at),
            ("risk.col.kind", f"{_kind(row)} {row.detail}" if row.kind == "quiet_hours"
             else _kind(row)),
            ("risk.col.until", row.hold_until or "—"),
            ("risk.col.numbers", num(row.numbers)),
            ("risk.col.content", row.content),
            ("risk.d.history", Text(sparkline(series), style="cyan")),
            ("risk.d.history_sum", t("risk.d.history_text", total=num(sum(series)),
                                     avg=f"{sum(series) / 30:.1f}", top=num(max(series)))),
        ]
        self.show_actions("risk.held.title", pairs,
                          [("a", "risk.action.release", self.release),
                           ("j", "risk.action.reject", self.reject)],
                          row, task=row.task_id, account=row.account)

    def release(self, row) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(self.risk.release, self.actor, row.task_id,
                                 on_done=lambda _: self._decided("risk.released", row),
                                 group="decide")

        self.app.push_screen(ConfirmDialog(t("risk.release.confirm", task=row.task_id,
                                             account=row.account, n=num(row.numbers)),
                                           title_key="risk.release.title",
                                           confirm_key="risk.action.release", danger=False),
                             answered)

    def reject(self, row) -> None:
        def submit(values: dict) -> Any:
            self.risk.reject(self.actor, row.task_id, values["reason"])
            return True

        def done(result) -> None:
            if result:
                self._decided("risk.rejected", row)

        self.app.push_screen(FormDialog("risk.reject.title", [
            Field("reason", "risk.f.reason", required=True, help_key="risk.f.reason.help")],
            submit, submit_label_key="risk.action.reject", task=row.task_id,
            account=row.account), done)

    def _decided(self, key: str, row) -> None:
        self.notify_ok(key, task=row.task_id)
        self.refresh_data()


class EditedList(RiskList):
    """A list the admin edits: ``n`` add, ``d`` remove (confirmed), ``i`` import a file
    (every line checked; ``partial`` keeps the good ones)."""

    def add_fields(self) -> list:
        raise NotImplementedError

    def save_new(self, values: dict) -> Any:
        raise NotImplementedError

    def removal(self, row) -> tuple[str, Callable[[], Any]]:
        """What ``d`` names in its confirmation, and the removal."""
        raise NotImplementedError

    def import_lines(self, lines: list[str], keep_good: bool) -> Any:
        raise NotImplementedError

    def add(self) -> None:
        self.app.push_screen(FormDialog(f"risk.add.{self.MODE}", self.add_fields(),
                                        self.save_new),
                             lambda r: r is not None and self.refresh_data())

    def remove(self, row) -> None:
        label, removal = self.removal(row)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(removal, on_done=lambda _: self.refresh_data(),
                                 group="remove")

        self.app.push_screen(ConfirmDialog(t(f"risk.remove.{self.MODE}", item=label)),
                             answered)

    def import_file(self) -> None:
        def submit(values: dict) -> Any:
            return self.import_lines(read_lines(values["path"]), bool(values["partial"]))

        def done(result) -> None:
            if result is not None:
                self.notify_ok("risk.imported", added=num(result.added),
                               existing=num(result.existing), bad=num(len(result.bad)))
                self.refresh_data()

        self.app.push_screen(FormDialog(f"risk.import.{self.MODE}", [
            Field("path", "risk.f.path", required=True,
                  help_key=f"risk.f.path.help.{self.MODE}"),
            Field("partial", "risk.f.partial", kind="checkbox", value=False,
                  help_key="risk.f.partial.help"),
        ], submit, submit_label_key="risk.action.import"), done)


class WordsList(EditedList):
    MODE = "words"
    COLUMNS = WORD_COLUMNS
    EMPTY_KEY = "risk.words.empty"

    def fetch(self, flt: RiskSearch, cursor, backward: bool, limit: int) -> Page:
        return memory_page(self.risk.words(flt.text), cursor, backward, limit)

    def add_fields(self) -> list:
        return [Field("word", "risk.col.word", required=True)]

    def save_new(self, values: dict) -> Any:
        return self.risk.add_word(self.actor, values["word"])

    def removal(self, row) -> tuple[str, Callable[[], Any]]:
        return row.word, partial(self.risk.remove_word, self.actor, row.id)

    def import_lines(self, lines: list[str], keep_good: bool) -> Any:
        return self.risk.import_words(self.actor, lines, partial=keep_good)


class BlacklistList(EditedList):
    MODE = "blacklist"
    COLUMNS = NUMBER_COLUMNS
    EMPTY_KEY = "risk.blacklist.empty"

    def fetch(self, flt: RiskSearch, cursor, backward: bool, limit: int) -> Page:
        return memory_page(self.risk.numbers(flt.text), cursor, backward, limit)

    def add_fields(self) -> list:
        return [Field("phone", "risk.col.phone", required=True),
                Field("note", "risk.col.note")]

    def save_new(self, values: dict) -> Any:
        return self.risk.add_number(self.actor, values["phone"], values["note"])

    def removal(self, row) -> tuple[str, Callable[[], Any]]:
        return row.phone, partial(self.risk.remove_number, self.actor, row.phone)

    def import_lines(self, lines: list[str], keep_good: bool) -> Any:
        return self.risk.import_numbers(self.actor, lines, partial=keep_good)


class RiskControlPage(MenuPage):
    """The summary of the rules above one of ``LISTS`` (each a ``ListPage``)."""

    LISTS: ClassVar[tuple[type[RiskList], ...]] = (HeldList, WordsList, BlacklistList)
    BINDINGS = [
        keybind("h", "mode('held')", "risk.held"),
        keybind("w", "mode('words')", "risk.words"),
        keybind("b", "mode('blacklist')", "risk.blacklist"),
        keybind("s", "settings", "risk.settings"),
        keybind("n", "add", "risk.add"),
        keybind("d", "remove", "risk.remove"),
        keybind("i", "import", "risk.import"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = "held"
        self.summary: tuple | None = None

    @property
    def risk(self) -> RiskService:
        return self.services.risk

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="risk-summary")
            yield Static("", id="risk-list-title")
            with ContentSwitcher(initial=f"risk-{self.mode}-list", id="risk-lists"):
                for cls in self.LISTS:
                    yield cls(self)

    def on_mount(self) -> None:
        super().on_mount()
        self._show_mode()

    @property
    def current(self) -> RiskList:
        """The list shown."""
        return self.query_one(f"#risk-{self.mode}-list", RiskList)

    # --- data --------------------------------------------------------------------------

    def _summary_data(self) -> tuple:
        return (self.risk.waiting_count(), self.risk.hits_today(), self.risk.trend(30),
                self.risk.settings())

    def refresh_data(self) -> None:
        self.run_service(self._summary_data, on_done=self._got_summary, group="summary")
        self.current.reload_list()

    def _got_summary(self, data: tuple) -> None:
        self.summary = data
        self._draw_summary()

    def _draw_summary(self) -> None:
        if self.summary is None:
            self.query_one("#risk-summary", Static).update(t("home.loading"))
            return
        waiting, today, trend, st = self.summary
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold",
                      expand=True)
        table.add_column(t("risk.col.rule"), no_wrap=True)
        table.add_column(t("risk.col.setting"), ratio=1)
        table.add_column(t("risk.col.today"), justify="right", no_wrap=True)
        table.add_column(t("risk.col.trend"), width=30, no_wrap=True)
        for rule in RULES:
            series = [counts.get(rule, 0) for _, counts in trend]
            table.add_row(t(f"risk.rule.{rule}"), self._setting_text(rule, st),
                          num(today.get(rule, 0)), Text(sparkline(series), style="cyan"))
        head = Text(t("risk.waiting", n=num(waiting)), style="bold")
        if not st.enabled:
            head.append("  " + t("risk.all_off"), style="bold red")
        head.append("   " + t("risk.trend_range", first=day(trend[0][0]),
                                   last=day(trend[-1][0])), style="dim")
        self.query_one("#risk-summary", Static).update(Group(head, table))

    @staticmethod
    def _setting_text(rule: str, st) -> str:
        off = t("risk.off")
        if rule == "frequency":
            parts = []
            for kind in CAP_TYPES:
                caps = [getattr(st, f"{kind}_{w}") for w in ("minute", "hour", "day")]
                if any(caps):
                    parts.append(t(f"risk.caps.{kind}", m=caps[0] or "-", h=caps[1] or "-",
                                   d=caps[2] or "-"))
            return " · ".join(parts) or off
        if rule == "day_limit":
            return num(st.day_limit) if st.day_limit else off
        if rule == "month_limit":
            return num(st.month_limit) if st.month_limit else off
        if rule == "quiet_hours":
            if st.quiet_mode == "off":
                return off
            return f"{st.quiet_start}-{st.quiet_end} {t(f'risk.quiet.{st.quiet_mode}')}"
        if rule == "volume":
            if not st.volume_hold:
                return off
            return t("risk.volume.text", m=st.volume_multiple, floor=num(st.volume_floor),
                     abs=num(st.volume_absolute))
        return t("risk.listed")

    # --- modes -------------------------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        if mode in MODES and mode != self.mode:
            self.mode = mode
            self._show_mode()
            self.current.table.reload()
            self.current.table.focus()  # the hidden list had it; the page's keys need it

    def _show_mode(self) -> None:
        self.query_one("#risk-lists", ContentSwitcher).current = f"risk-{self.mode}-list"
        self.query_one("#risk-list-title", Static).update(t(f"risk.list.{self.mode}"))
        self._draw_summary()

    def focus_default(self) -> None:
        self.current.table.focus()

    def clear_filter(self) -> bool:
        return self.current.clear_filter()

    def on_language_changed(self) -> None:
        self._show_mode()

    # --- settings ----------------------------------------------------------------------

    def action_settings(self) -> None:
        self.run_service(self.risk.settings, on_done=self._edit_settings, group="settings")

    def _edit_settings(self, st) -> None:
        def save(values: dict) -> Any:
            return self.risk.save_settings(self.actor, values)

        def done(result) -> None:
            if result is not None:
                self.notify_ok("risk.saved")
                self.refresh_data()

        self.app.push_screen(FormDialog("risk.settings.title", settings_fields(st), save,
                                        width=110), done)

    # --- the edited lists (words, blacklist; nothing on held tasks) ------------------------

    def action_add(self) -> None:
        if isinstance(lst := self.current, EditedList):
            lst.add()

    def action_remove(self) -> None:
        if isinstance(lst := self.current, EditedList) and lst.table.selected is not None:
            lst.remove(lst.table.selected)

    def action_import(self) -> None:
        if isinstance(lst := self.current, EditedList):
            lst.import_file()

    def command_palette_commands(self) -> list:
        return [(t("key.risk.held"), lambda: self.action_mode("held")),
                (t("key.risk.words"), lambda: self.action_mode("words")),
                (t("key.risk.blacklist"), lambda: self.action_mode("blacklist")),
                (t("key.risk.settings"), self.action_settings)]


# --- the user detail's risk side (screens.users) ---------------------------------------------


def customer_pairs(risk) -> list[tuple[str, Any]]:
    """Label/value pairs for a user's detail: limits, opt-outs, recent hits."""
    def limit(n: int) -> str:
        return num(n) if n else t("risk.user.none")

    own = risk.day_limit is not None or risk.month_limit is not None
    pairs: list[tuple[str, Any]] = [
        ("risk.user.limits", t("risk.user.limits.value", day=limit(risk.effective_day),
                               month=limit(risk.effective_month),
                               own=t("risk.user.limits.own") if own else "")),
        ("risk.user.opt_outs", num(risk.opt_outs)),
    ]
    hits = [f"{dt(e.at)} {t(f'risk.rule.{e.rule}')} ×{e.count}"
            + (f" #{e.task_id}" if e.task_id else "") for e in risk.recent_hits[:5]]
    pairs.append(("risk.user.hits", "\n".join(hits) or t("risk.user.none")))
    return pairs


def edit_limits(page: MenuPage, row) -> None:
    """The customer's own daily/monthly limits (blank = the platform default)."""
    def fetched(risk) -> None:
        def save(values: dict) -> Any:
            page.services.risk.set_customer_limits(page.actor, row.id, values["day_limit"],
                                                   values["month_limit"])
            return True

        page.app.push_screen(FormDialog("risk.user.limits.title", [
            [Field("day_limit", "risk.f.day_limit", kind="int",
                   value="" if risk.day_limit is None else risk.day_limit),
             Field("month_limit", "risk.f.month_limit", kind="int",
                   value="" if risk.month_limit is None else risk.month_limit)],
        ], save, intro_key="risk.user.limits.help", account=row.account),
            lambda ok: ok and page.refresh_data())

    page.run_service(page.services.risk.customer, row.id, on_done=fetched, group="limits")
