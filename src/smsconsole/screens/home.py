"""首页 (product.md §2.3): quota by type, today / this month, applications by status,
report-worker health, users low on quota, holdings expiring within 7 days.

Live in the dolphie style: a thread worker fetches ``services.stats.dashboard()``, the
success handler renders and re-arms a timer; nothing is fetched while a dialog is open
or while another page is shown. Each application count is a button: enter opens the
signature/template list filtered to that status.
"""

from __future__ import annotations

from datetime import timedelta
from time import monotonic
from typing import Any

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Static

from smsconsole.i18n import t
from smsconsole.screens.base import MenuPage
from smsconsole.widgets.format import dt, enum_label, num, time_of_day, valid_through
from smsconsole.widgets.labels import Tr

REVIEW_ORDER = ("pending", "in_review", "approved", "rejected")
QUOTA_ORDER = ("general", "notification", "verification", "promotion")
STALE_AFTER = timedelta(seconds=90)


def gateway_summary(dashboard) -> str:
    """The gateway's traffic today and failing pushes; "" while there is none (a platform
    without the gateway sees nothing new)."""
    requests = getattr(dashboard, "gateway_requests", 0)
    failing = getattr(dashboard, "failing_pushes", 0)
    if not requests and not failing:
        return ""
    text = t("gateway.home.today", requests=num(requests),
             errors=num(getattr(dashboard, "gateway_errors", 0)))
    if failing:
        text += " · " + t("gateway.home.failing_pushes", n=num(failing))
    return text


def worker_summary(workers: list, pending_reports: int, kept_aside: int, now) -> tuple[str, str]:
    """(state, text) for the report worker(s): state is ``none``, ``ok``, ``error`` or
    ``stale``. Reads the ``WorkerStatus`` rows of ``services.stats.dashboard()``."""
    live = [w for w in workers if not w.stopped]
    backlog = t("worker.backlog", pending=num(pending_reports), kept=num(kept_aside))
    if not live:
        return "none", f"{t('worker.none')} · {backlog}"
    fresh = [w for w in live if now - w.beat_at <= STALE_AFTER]
    if not fresh:
        newest = max(live, key=lambda w: w.beat_at)
        return "stale", f"{t('worker.stale', since=dt(newest.beat_at))} · {backlog}"
    last = max((w.last_receive_at for w in fresh if w.last_receive_at), default=None)
    # Today's counts include the workers that stopped earlier today (each login starts a
    # new worker that counts from zero): the day is the running workers' day.
    day = max((w.day for w in fresh if w.day), default=None)
    todays = [w for w in workers if w.day == day] if day else fresh
    text = t("worker.running", n=len(fresh), last=time_of_day(last, blank="—"),
             reports=num(sum(w.reports_today for w in todays)),
             replies=num(sum(w.replies_today for w in todays)))
    errors = [w.error for w in fresh if w.error]
    if errors:
        return "error", f"{text} · {t('worker.error', error=errors[0][:80])} · {backlog}"
    return "ok", f"{text} · {backlog}"


def number_table(header_keys: list[str], rows: list[list[str]], *,
                 padding: tuple[int, int] = (0, 1), title: str | None = None) -> Table:
    """A small table whose first column is text and the others numbers: a narrow page
    shortens the text and the headers (with …), never a number."""
    table = Table(box=None, padding=padding, show_edge=False, header_style="bold",
                  title=title, title_justify="left", title_style="bold")
    for index, key in enumerate(header_keys):
        if index == 0:
            table.add_column(t(key) if key else "", no_wrap=True, overflow="ellipsis")
        else:
            widest = max((cell_len(str(r[index])) for r in rows), default=1)
            table.add_column(t(key), justify="right", no_wrap=True, min_width=widest,
                             overflow="ellipsis")
    for row in rows:
        table.add_row(*row)
    return table


class CountButton(Button):
    """One application count; enter opens the list filtered to its status."""

    def __init__(self, kind: str, status: str) -> None:
        super().__init__("", id=f"{kind}-{status}", compact=True, classes="home-count")
        self.kind = kind
        self.status_value = status
        self.status: Any = None  # the ReviewStatus member, once data arrived
        self.count: int | None = None

    def show(self, status: Any, count: int | None) -> None:
        self.status, self.count = status, count
        self.relabel()

    def relabel(self) -> None:
        name = (enum_label(self.status) if self.status is not None
                else t(f"enum.review_status.{self.status_value}"))
        self.label = f"{name} {num(self.count, blank='—')}"
        self.refresh(layout=True)  # Button.label does not re-lay out by itself


class HomePage(MenuPage):
    BINDINGS: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dashboard: Any = None
        self._timer: Timer | None = None
        self._fetching = False
        self._again = False
        self._fresh_until = 0.0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="home-scroll"):
            yield Tr("home.quota.title", classes="home-heading")
            yield Static("", id="home-quota")
            yield Tr("home.basic.title", classes="home-heading")
            yield Static("", id="home-basic")
            for kind in ("signatures", "templates"):
                yield Tr(f"home.{kind}.title", classes="home-heading")
                with Horizontal(classes="home-counts", id=f"home-{kind}"):
                    for status in REVIEW_ORDER:
                        yield CountButton(kind, status)
            yield Tr("home.worker.title", classes="home-heading")
            yield Static("", id="home-worker")
            with Horizontal(id="home-lists"):
                yield Static("", id="home-low")
                yield Static("", id="home-expiring")

    def on_mount(self) -> None:
        # The numbers read while the login was typed, if any: drawn at once, and fetched
        # again only if they are older than the refresh interval.
        take = getattr(self.app, "take_early_dashboard", None)
        early = take() if callable(take) else None
        if early is not None:
            self.dashboard, age = early
            self._fresh_until = monotonic() + max(0.0, self.interval - age)
        self._draw()
        if early is not None:
            self._report(self.dashboard)

    # --- the live loop -------------------------------------------------------------------

    @property
    def interval(self) -> float:
        return float(getattr(self.app, "refresh_seconds", 5.0))

    def refresh_data(self) -> None:
        left = self._fresh_until - monotonic()
        self._fresh_until = 0.0
        if left > 0:  # the early numbers are recent: the next look is due later
            if self._timer is not None:
                self._timer.stop()
            self._timer = self.set_timer(left, self._poll)
            return
        self._poll(force=True)

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.interval, self._poll)

    def _poll(self, force: bool = False) -> None:
        if self._fetching:
            # A forced look (the worker just started, the admin pressed r) must not be
            # lost to the read under way: it may have begun before the change.
            self._again = self._again or force
            return
        if not force and (self.modal_open or not self.is_current):
            self._arm()  # paused: look again later
            return
        self._fetching = True
        self.run_service(self.services.stats.dashboard, on_done=self._got,
                         on_error=self._fetch_failed, group="dashboard", exclusive=True)

    def _got(self, dashboard: Any) -> None:
        self._fetching = False
        self.dashboard = dashboard
        self._draw()
        self._report(dashboard)
        if self._again:
            self._again = False
            self._poll(force=True)
            return
        self._arm()

    def _report(self, dashboard: Any) -> None:
        """The status line's worker state follows home's numbers."""
        report = getattr(self.app, "show_worker_status", None)
        if callable(report):
            report(dashboard)

    def _fetch_failed(self, exc: BaseException) -> None:
        self._fetching = False
        self._again = False
        self.show_error(exc)
        self._arm()

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    # --- rendering ---------------------------------------------------------------------------

    def _draw(self) -> None:
        d = self.dashboard
        self.query_one("#home-quota", Static).update(self._quota_table(d))
        held = Text(t("home.risk.waiting", n=num(d.held_tasks if d else None, blank="—")),
                    style="bold yellow" if d and d.held_tasks else "")
        self.query_one("#home-basic", Static).update(Group(self._basic_table(d), held))
        for kind in ("signatures", "templates"):
            counts = getattr(d, kind, None) or {}
            by_value = {getattr(k, "value", k): (k, n) for k, n in counts.items()}
            for button in self.query(f"#home-{kind} CountButton").results(CountButton):
                status, count = by_value.get(button.status_value, (None, None))
                button.show(status, count)
        if d is None:
            worker = t("home.loading")
        else:
            worker = worker_summary(d.workers, d.pending_reports, d.kept_aside, d.at)[1]
            gateway = gateway_summary(d)
            worker += f"\n{gateway}" if gateway else ""
        self.query_one("#home-worker", Static).update(worker)
        self.query_one("#home-low", Static).update(self._low_table(d))
        self.query_one("#home-expiring", Static).update(self._expiring_table(d))

    @staticmethod
    def _quota_table(d: Any) -> Table:
        quota = {getattr(k, "value", k): (k, v) for k, v in (d.quota if d else {}).items()}
        usable = {getattr(k, "value", k): v for k, v in
                  (getattr(d, "usable", None) or {}).items()} if d else {}
        rows = []
        for value in QUOTA_ORDER:
            member, numbers = quota.get(value, (None, (None, None, None)))
            label = enum_label(member) if member is not None else value
            rows.append([label, *(num(n, blank="—") for n in numbers),
                         num(usable.get(value), blank="—")])
        return number_table(["home.quota.type", "home.quota.allocated", "home.quota.used",
                             "home.quota.remaining", "home.quota.usable"], rows,
                            padding=(0, 2))

    @staticmethod
    def _basic_table(d: Any) -> Table:
        rows = [[t(key), num(row.delivered if row else None, blank="—"),
                 num(row.total if row else None, blank="—")]
                for key, row in (("home.basic.today", d.today if d else None),
                                 ("home.basic.month", d.month if d else None))]
        return number_table(["", "home.basic.success", "home.basic.total"], rows,
                            padding=(0, 2))

    @staticmethod
    def _low_table(d: Any) -> Table:
        rows = d.low_quota if d else []
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold",
                      title=t("home.low.title", n=len(rows)), title_justify="left",
                      title_style="bold")
        table.add_column(t("home.low.account"))
        table.add_column(t("home.low.name"))
        table.add_column(t("home.low.remaining"), justify="right", no_wrap=True,
                         min_width=max((len(num(r.remaining)) for r in rows[:5]), default=1))
        for row in rows[:5]:
            table.add_row(row.account, row.name, num(row.remaining))
        if d is not None and not rows:
            table.add_row(Text(t("home.none"), style="dim"), "", "")
        return table

    @staticmethod
    def _expiring_table(d: Any) -> Table:
        rows = d.expiring if d else []
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold",
                      title=t("home.expiring.title", n=len(rows)), title_justify="left",
                      title_style="bold")
        table.add_column(t("home.low.account"))
        table.add_column(t("home.expiring.type"))
        table.add_column(t("home.low.remaining"), justify="right", no_wrap=True,
                         min_width=max((len(num(r.remaining)) for r in rows[:5]), default=1))
        table.add_column(t("home.expiring.at"), no_wrap=True, min_width=10)
        for row in rows[:5]:
            table.add_row(row.account, enum_label(row.sms_type), num(row.remaining),
                          valid_through(row.expires_at))
        if d is not None and not rows:
            table.add_row(Text(t("home.none"), style="dim"), "", "", "")
        return table

    # --- keys ---------------------------------------------------------------------------------

    @on(Button.Pressed, ".home-count")
    def _count_chosen(self, event: Button.Pressed) -> None:
        button = event.button
        if isinstance(button, CountButton) and button.status is not None:
            self.open_page(button.kind, status=button.status)

    def focus_default(self) -> None:
        self.query_one(CountButton).focus()

    def on_language_changed(self) -> None:
        self._draw()

    def command_palette_commands(self) -> list:
        return [(t("home.palette.refresh"), self.refresh_data)]
