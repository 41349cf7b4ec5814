"""Risk control benchmark (issue 17): the send path with every rule on against every rule
off, in the same run, on the same database and sandbox.

The workload, through ``services.sending`` and the official SDK against the sandbox:
verification codes to one number each and notification tasks of 200 numbers, fresh
numbers every time (nothing refused, so both sides send the same messages). Rules on:
the verification caps (1/5/10), notification caps per customer, daily and monthly limits,
quiet hours for promotions, volume holds (thresholds above the tasks), 2,000 blocked
words and 20,000 blacklisted numbers. Rounds alternate off/on so drift hits both.

Prints ``name: value unit (target T) ok|FAIL`` lines; exits 1 if any FAIL.

    python bench/risk.py [--rounds 6] [--codes 40] [--tasks 5] [--db URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Figures, secret_key  # noqa: E402

ALL_ON = {"enabled": True, "verification_minute": 1, "verification_hour": 5,
          "verification_day": 10, "notification_minute": 2, "notification_hour": 5,
          "notification_day": 10, "day_limit": 50_000_000, "month_limit": 500_000_000,
          "quiet_mode": "hold", "quiet_start": "23:00", "quiet_end": "06:00",
          "volume_hold": True, "volume_multiple": 1000, "volume_floor": 10_000,
          "volume_absolute": 50_000}


def setup(url: str, workdir: Path):
    from smsconsole.cloud.sandbox.server import Sandbox
    from smsconsole.services import build
    from smsconsole.services.auth import AdminInput, AuthorizationInput, SetupInput
    from smsconsole.services.context import Actor
    from smsconsole.services.secrets import SecretBox
    from smsconsole.services.settings import AccessInput, SiteInput
    from smsconsole.services.users import Registration
    from smsconsole.store.models import SmsType

    box = Sandbox(workdir / "cloud", config={"report_delay": 3600, "failure_rate": 0.0,
                                             "duplicate_rate": 0.0, "reply_rate": 0.0})
    box.start()
    svc = build(url, workdir, secrets=SecretBox(secret_key()))
    svc.ctx.extra["sandbox_endpoints"] = box.endpoints
    admin = svc.auth.setup(SetupInput(
        AuthorizationInput("Bench", "Bench Co", "bench@example.com", "13800138000"),
        AdminInput("Bench2026secret", "Bench2026secret"), AccessInput(sandbox=True),
        SiteInput(company="Bench Co")))
    actor = Actor(admin.id, admin.name)
    user = svc.users.register(Registration("bench", "Bench", "13900139000", "Bench2026secret"))
    sms = svc.cloud.sms()
    signs = sms.list_signs()
    general = next(s for s in signs if s.sign_type == "general")
    verify = next((s for s in signs if s.sign_type == "verification"), general)
    svc.signatures.assign(actor, user.id, general.name, "general")
    if verify.name != general.name:
        svc.signatures.assign(actor, user.id, verify.name, "verification")
    templates = {}
    for kind in ("notification", "verification"):
        tpl = next(t for t in sms.list_templates() if t.template_type == kind)
        templates[kind] = svc.templates.assign(actor, user.id, tpl.code)
    expires = svc.ctx.clock.today() + timedelta(days=30)
    svc.holdings.allocate(actor, user.id, 10_000_000, expires, SmsType.NOTIFICATION)
    svc.holdings.allocate(actor, user.id, 10_000_000, expires, SmsType.VERIFICATION)
    words = [f"违禁词{i:04d}" for i in range(2000)]
    svc.risk.import_words(actor, words)
    svc.risk.import_numbers(actor, [f"170{i:08d}" for i in range(20_000)])
    return box, svc, actor, user, templates, {"general": general.name, "verify": verify.name}


def one_round(svc, user, templates, signs, codes: int, tasks: int, base: int) -> tuple[int, float]:
    """Messages sent and seconds taken."""
    from smsconsole.services.sending import VARIABLE, SendRequest

    def params(tpl):
        return {v: "1234" for v in VARIABLE.findall(tpl.content)}

    ver, notif = templates["verification"], templates["notification"]
    sent = 0
    t0 = time.perf_counter()
    for i in range(codes):
        out = svc.sending.send(SendRequest(user.id, ver.id, signs["verify"],
                                           [f"135{base + i:08d}"], params(ver)))
        sent += out.accepted
    for k in range(tasks):
        start = base + codes + k * 200
        out = svc.sending.send(SendRequest(user.id, notif.id, signs["general"],
                                           [f"136{start + j:08d}" for j in range(200)],
                                           params(notif)))
        sent += out.accepted
    return sent, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--codes", type=int, default=40)
    ap.add_argument("--tasks", type=int, default=5)
    ap.add_argument("--db", default="")
    args = ap.parse_args()
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="smsconsole-bench-risk-") as tmp:
        work = Path(tmp)
        url = args.db or f"sqlite:///{work / 'risk.db'}"
        box, svc, actor, user, templates, signs = setup(url, work)
        try:
            totals = {"off": [0, 0.0], "on": [0, 0.0]}
            per_round = args.codes + args.tasks * 200
            base = 0
            one_round(svc, user, templates, signs, 5, 1, 90_000_000)  # warm-up
            for r in range(args.rounds * 2):
                side = "off" if r % 2 == 0 else "on"
                svc.risk.save_settings(actor, ALL_ON if side == "on" else {"enabled": False})
                sent, seconds = one_round(svc, user, templates, signs, args.codes,
                                          args.tasks, base)
                base += per_round
                if sent != per_round:
                    figures.note(f"round {r} ({side}) sent {sent} of {per_round}")
                totals[side][0] += sent
                totals[side][1] += seconds
            off = totals["off"][0] / totals["off"][1]
            on = totals["on"][0] / totals["on"][1]
            figures.line("risk.send_rules_off", off, "messages/s", "baseline", None, fmt=",.0f")
            figures.line("risk.send_rules_on", on, "messages/s", ">= 0.8 of rules off",
                         on >= 0.8 * off, f" ratio {on / off:.2f}", fmt=",.0f")
            figures.note(f"{args.rounds} rounds a side, {args.codes} codes + {args.tasks}×200 "
                         f"notifications a round, {svc.ctx.store.engine.dialect.name}")
        finally:
            svc.close()
            box.stop()
    return 1 if figures.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
