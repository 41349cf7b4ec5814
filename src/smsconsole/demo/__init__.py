"""``smsconsole demo``: a believable platform history, made through the services and the
sandbox, so that every screen has something true to show.

Nothing is written behind the services' back: users register, apply for signatures
and templates, order and pay packages at the sandbox's Alipay cashier, and send
through ``SendService.send``; the admin submits, syncs, rejects, allocates, changes
prices, freezes…; delivery reports and replies come back through the real
``ReportWorker`` from the sandbox's MNS queues. To replay the past, the services' clock
and the sandbox's virtual clock are moved together, event by event, from ``days`` ago up
to now; after each simulated day the report queues are drained.

While it runs, the sandbox's virtual clock and behaviour (the day's failure rate, a
few failure spikes, reply and review settings, its seed) are the demo's; both are
restored at the end, so a console started afterwards sees the sandbox as usual. The
admin (set up if there is none) and every demo user have the password ``DemoSms2026``.

Determinism: the same seed on an empty database with a fresh sandbox gives the same
data (ids, counts, statuses, times), except what depends on the wall clock: which days
"the last ``days`` days" are and how far into today the history reaches. Running it
again adds new users (new accounts and phones) with their own history.

The package: ``data`` (reference data), ``state`` (the simulated people and the
summary), the simulation by kind of activity (``engine``, ``planning``, ``customers``,
``admin_work``, ``purchases``, ``traffic``, ``risk_hits``; composed in ``simulation``,
whose ``generate`` runs it), ``sandbox_control`` and ``notifications`` (the sandbox's
control endpoints and the loopback gateway for Alipay's notifications), and ``command``
(``smsconsole demo``: arguments, printing, progress bar).
"""

from __future__ import annotations

from smsconsole.demo.data import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from smsconsole.demo.simulation import Simulation, generate
from smsconsole.demo.state import DemoSummary

__all__ = ["DEMO_ADMIN_EMAIL", "DEMO_PASSWORD", "DemoSummary", "Simulation", "generate"]
