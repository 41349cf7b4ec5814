"""``smsconsole demo``: arguments checked, the admin's login and the summary printed,
a progress bar on a terminal. The simulation itself prints nothing.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from smsconsole.config import default_data_dir, sqlite_url
from smsconsole.demo.simulation import generate
from smsconsole.demo.state import DemoSummary
from smsconsole.i18n import t
from smsconsole.services import build

# --- the command ------------------------------------------------------------------------------


def run_cli(cfg, *, users: int = 200, days: int = 90, seed: int = 1) -> int:
    if not (1 <= users <= 100_000 and 1 <= days <= 3650):
        print(f"smsconsole: {t('demo.error.args')}", file=sys.stderr)
        return 2
    services = build(cfg.db_url, cfg.data_dir)
    bar = ProgressBar() if sys.stderr.isatty() else None
    try:
        def announce(s: DemoSummary) -> None:
            print(login_line(s), flush=True)  # (above the bar: rich redirects stdout)

        summary = generate(services, users=users, days=days, seed=seed, announce=announce,
                           progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
        services.close()
    for line in summary_lines(summary, start_command(cfg)):
        print(line, flush=True)
    return 0


def start_command(cfg) -> str:
    """The command that opens the console on what the demo just filled (its data dir and
    database when they are not the defaults)."""
    parts = ["smsconsole"]
    if Path(cfg.data_dir).expanduser().resolve() != default_data_dir().expanduser().resolve():
        parts += ["--data-dir", shlex.quote(str(cfg.data_dir))]
    if cfg.db_url != sqlite_url(Path(cfg.data_dir).expanduser() / "smsconsole.db"):
        parts += ["--db", shlex.quote(cfg.db_url)]
    return " ".join(parts)


def login_line(s: DemoSummary) -> str:
    if s.admin_password:
        return t("demo.login", email=s.admin_login, phone=s.admin_phone,
                 password=s.admin_password)
    return t("demo.login_existing", email=s.admin_login, phone=s.admin_phone)


def summary_lines(s: DemoSummary, command: str = "smsconsole") -> list[str]:
    lines = []
    orders = s.orders
    lines.append(t("demo.summary", users=f"{s.users:,}", tasks=f"{s.tasks:,}",
                   messages=f"{s.messages:,}", delivered=f"{s.delivered:,}",
                   failed=f"{s.failed:,}", pending=f"{s.pending:,}",
                   first=s.first_day, last=s.last_day))
    lines.append(t("demo.summary_orders", orders=f"{sum(orders.values()):,}",
                   paid=orders.get("paid", 0), unpaid=orders.get("unpaid", 0),
                   void=orders.get("void", 0), replies=f"{s.replies:,}",
                   opt_outs=f"{s.opt_outs:,}"))
    lines.append(t("demo.summary_time", seconds=f"{s.seconds:.1f}", command=command))
    return lines


class ProgressBar:
    """A progress bar on stderr (only when it is a terminal)."""

    def __init__(self) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"),
                                 TimeElapsedColumn(), console=Console(stderr=True),
                                 transient=True)
        self.progress.start()
        self.task = None

    def update(self, done: int, total: int, s: DemoSummary) -> None:
        text = t("demo.progress", messages=f"{s.messages:,}", users=s.users)
        if self.task is None:
            self.task = self.progress.add_task(text, total=total)
        self.progress.update(self.task, completed=done, description=text)

    def close(self) -> None:
        self.progress.stop()
