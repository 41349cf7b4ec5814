"""The whole simulation (``Simulation``: the engine and every kind of activity) and
``generate``, which runs it with the sandbox configured and restored around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from smsconsole.clock import FixedClock
from smsconsole.demo.admin_work import AdminWork
from smsconsole.demo.customers import Customers
from smsconsole.demo.data import DEMO_PASSWORD, SANDBOX_RUN
from smsconsole.demo.engine import Engine
from smsconsole.demo.notifications import notify_gateway
from smsconsole.demo.planning import Planning
from smsconsole.demo.purchases import Purchases
from smsconsole.demo.risk_hits import trip_risk_rules
from smsconsole.demo.sandbox_control import SandboxControl
from smsconsole.demo.state import DemoSummary
from smsconsole.demo.traffic import Traffic
from smsconsole.services.errors import CloudFailure, Invalid
from smsconsole.services.secrets import hash_password


class Simulation(Customers, AdminWork, Purchases, Traffic, Planning, Engine):
    """A platform history, one activity per mixin: ``Engine`` (time, events, setup),
    ``Planning`` (when), ``Customers`` (portal), ``AdminWork`` (console),
    ``Purchases`` (packages, orders), ``Traffic`` (sends)."""


def generate(services, *, users: int = 200, days: int = 90, seed: int = 1,
             end: datetime | None = None, volume: float = 1.0,
             progress: Callable[[int, int, DemoSummary], None] | None = None,
             announce: Callable[[DemoSummary], None] | None = None) -> DemoSummary:
    """Build ``days`` days of history ending at ``end`` (default: the services' clock
    now) with ``users`` new users. The services must be (or become) in sandbox mode.
    ``volume`` multiplies how much the users send (tests use more on short runs).
    ``announce(summary)`` is called once the admin is known (to print the login)."""
    if users < 1 or days < 1:
        raise Invalid("demo.error.args", "users")
    t0 = time.perf_counter()
    original = services.ctx.clock
    end = (end or original.now()).astimezone(UTC).replace(microsecond=0)
    services.ctx.clock = FixedClock(end, tz=original.tz)
    sim = Simulation(services, users=users, days=days, seed=seed, end=end, volume=volume,
               progress=progress)
    saved_cfg: dict | None = None
    try:
        sim.ensure_admin()
        if announce:
            announce(sim.summary)
        sim.control = SandboxControl(sim.eps)
        saved_cfg = {k: v for k, v in sim.control.call("/config").items()
                     if k in ("failure_rate", "duplicate_rate", "reply_rate", "seed",
                              "unsubscribe_share", "report_delay", "review_delay",
                              "review_reject_share")}
        # Outcomes follow the demo's seed (and the sandbox's own sequence numbers).
        sim._configure(seed=1_000 + seed, **SANDBOX_RUN)
        sim.password_hash = hash_password(DEMO_PASSWORD)
        sim.existing()
        with notify_gateway(services):
            sim.run()
            trip_risk_rules(sim, seed)
            sim.finish()
    finally:
        if sim.control is not None:
            try:
                sim.control.call("/clock", {"reset": True})
                if saved_cfg:
                    sim.control.call("/config", saved_cfg)
            except CloudFailure:  # the sandbox is gone: nothing to restore
                pass
            sim.control.close()
        services.ctx.clock = original
    s = sim.summary
    s.first_day, s.last_day = sim.first_day, sim.last_day
    s.seconds = time.perf_counter() - t0
    return s
