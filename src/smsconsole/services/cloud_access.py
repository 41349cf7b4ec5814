"""From stored settings to working cloud adapters, including the built-in sandbox.

In sandbox mode the endpoints are not stored (the sandbox's ports change between
runs): they come from the sandbox serving this data dir, or one started in-process.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from smsconsole.cloud.types import (
    APPROVED,
    SCENARIOS,
    VERIFICATION,
    AlipaySettings,
    AliyunSettings,
    Scenario,
)
from smsconsole.services.cloud_config import (
    AccessInput,
    AccessView,
    PaymentInput,
    PaymentView,
    ScenarioInput,
    access_row,
    access_view,
    payment_view,
)
from smsconsole.services.errors import CloudFailure
from smsconsole.store.models import PaymentConfig

if TYPE_CHECKING:
    # Only a type here: the Context builds its CloudProvider (services.context).
    from smsconsole.services.context import Context


def sandbox_endpoints(ctx: Context):
    """The sandbox for this data dir (started in-process when none is serving it)."""
    eps = ctx.extra.get("sandbox_endpoints")
    if eps is None:
        # Here, not at the top: the sandbox server (0.5 s of imports) only in sandbox mode.
        from smsconsole.cloud.sandbox.runtime import ensure_sandbox

        try:
            eps = ensure_sandbox(ctx.data_dir)
        except Exception as exc:  # noqa: BLE001 - shown to the admin as one line
            raise CloudFailure("error.sandbox.unavailable", exc, detail=str(exc)[:200]) from None
        ctx.extra["sandbox_endpoints"] = eps
    return eps


def resolve_aliyun(ctx: Context, view: AccessView, secret: str) -> AliyunSettings:
    scenarios = tuple(
        Scenario(k, sc.sign_name, sc.template_code, sc.param_name)
        for k, sc in sorted(view.scenarios.items())
    )
    settings = AliyunSettings(
        access_key_id=view.access_key_id, access_key_secret=secret,
        sms_endpoint=view.sms_endpoint or None, sms_protocol="https",
        queue_mode=view.queue_mode, mns_endpoint=view.mns_endpoint or None,
        report_queue=view.report_queue, reply_queue=view.reply_queue, scenarios=scenarios,
    )
    if view.sandbox:
        base = sandbox_endpoints(ctx).aliyun_settings()
        settings = replace(settings, sms_endpoint=base.sms_endpoint,
                           sms_protocol=base.sms_protocol, mns_endpoint=base.mns_endpoint,
                           queue_mode=base.queue_mode)
    elif settings.sms_endpoint and _is_loopback(settings.sms_endpoint):
        settings = replace(settings, sms_protocol="http")
    return settings


def _is_loopback(host_port: str) -> bool:
    return bool(re.match(r"^(127\.|localhost|\[::1\])", host_port))


def resolve_alipay(ctx: Context, view: PaymentView, private_pem: str) -> AlipaySettings:
    gateway = view.gateway or AlipaySettings.gateway
    if view.sandbox:
        gateway = sandbox_endpoints(ctx).alipay
    return AlipaySettings(app_id=view.app_id, app_private_key=private_pem,
                          alipay_public_key=view.alipay_public_key, gateway=gateway,
                          notify_url=view.notify_url)


def _param_name(content: str) -> str:
    match = re.search(r"\$\{(\w+)\}", content)
    return match.group(1) if match else "code"


def sandbox_access_values(ctx: Context) -> AccessInput:
    """AK 管理 values that work with the sandbox: its AK pair and queues, and for the
    three scenarios its approved verification signature and template."""
    # Here, not at the top: the Aliyun SDK costs over a second to import (login waits).
    from smsconsole.cloud.sms import SmsClient

    eps = sandbox_endpoints(ctx)
    base = eps.aliyun_settings()
    client = SmsClient(base)
    signs = [s for s in client.list_signs() if s.status == APPROVED]
    templates = [t for t in client.list_templates()
                 if t.status == APPROVED and t.template_type == VERIFICATION]
    if not signs or not templates:
        raise CloudFailure("error.sandbox.no_verification_template")
    sign = next((s for s in signs if s.sign_type == "verification"), signs[0])
    tpl = templates[0]
    scenario = ScenarioInput(sign.name, tpl.code, _param_name(tpl.content))
    return AccessInput(
        sandbox=True, access_key_id=base.access_key_id,
        access_key_secret=base.access_key_secret,
        scenarios={k: scenario for k in SCENARIOS},
        report_queue=base.report_queue, reply_queue=base.reply_queue,
        queue_mode=base.queue_mode, label="sandbox",
    )


def sandbox_payment_values(ctx: Context) -> PaymentInput:
    eps = sandbox_endpoints(ctx)
    return PaymentInput(
        app_id=eps.alipay_app_id,
        app_private_key=Path(eps.alipay_app_private_key_file).read_text(),
        alipay_public_key=Path(eps.alipay_public_key_file).read_text(),
        notify_host="127.0.0.1", notify_port=8080, access_type="http", sandbox=True,
    )


def stored_aliyun(ctx: Context) -> AliyunSettings | None:
    """The active AK row as adapter settings (secret decrypted; sandbox resolved)."""
    with ctx.store.read() as s:
        row = access_row(s, None)
        if row is None:
            return None
        view = access_view(s, ctx.secrets, row)
        secret = ctx.secrets.decrypt(row.access_key_secret_enc)
    return resolve_aliyun(ctx, view, secret)


def stored_alipay(ctx: Context) -> AlipaySettings | None:
    """The payment settings as adapter settings (private key decrypted)."""
    with ctx.store.read() as s:
        row = s.scalar(select(PaymentConfig).limit(1))
        if row is None:
            return None
        private_pem = ctx.secrets.decrypt(row.app_private_key_enc)
        view = payment_view(row)
    return resolve_alipay(ctx, view, private_pem)


class CloudProvider:
    """Adapters built from the current settings, cached.

    Reading the settings means a query and a decryption; the worker and the sender need
    them for every call, so they are kept for ``ttl`` seconds (another process may change
    them) and dropped at once when this process changes them (``invalidate``, called by
    the settings service, or by the first-run setup).

    Built by the ``Context`` itself, so every context has one."""

    def __init__(self, ctx: Context, ttl: float = 30.0) -> None:
        self.ctx = ctx
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[object, object]] = {}
        self._settings: dict[str, tuple[float, object]] = {}
        # The demo's loopback gateway, for the demo's duration (demo/notifications.py).
        self.notify_override = ""
        # Seconds an SMS call may take to answer before its outcome is unknown (the
        # reconciler settles it); tests of that path shorten it.
        self.sms_read_timeout = 10.0

    def invalidate(self) -> None:
        """The stored cloud settings changed: rebuild adapters on next use."""
        with self._lock:
            self._cache.clear()
            self._settings.clear()

    def _current(self, name: str, read):
        now = time.monotonic()
        with self._lock:
            hit = self._settings.get(name)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
        value = read()
        if value is not None:  # "not configured yet" is not kept: setup may follow
            with self._lock:
                self._settings[name] = (now, value)
        return value

    def _cached(self, name: str, settings, build):
        with self._lock:
            hit = self._cache.get(name)
            if hit and hit[0] == settings:
                return hit[1]
            client = build(settings)
            self._cache[name] = (settings, client)
            return client

    def aliyun(self) -> AliyunSettings:
        settings = self._current("aliyun", lambda: stored_aliyun(self.ctx))
        if settings is None:
            raise CloudFailure("error.cloud.not_configured")
        return settings

    def alipay_settings(self) -> AlipaySettings | None:
        settings = self._current("alipay", lambda: stored_alipay(self.ctx))
        if settings is not None and self.notify_override:
            settings = replace(settings, notify_url=self.notify_override)
        return settings

    def sms(self):
        # The SDK adapters are imported on first use, not at the top: over a second each
        # (the console's login imports the services).
        from smsconsole.cloud.sms import SmsClient

        return self._cached("sms", self.aliyun(),
                            lambda settings: SmsClient(settings,
                                                       read_timeout=self.sms_read_timeout))

    def alipay(self):
        from smsconsole.cloud.payments import AlipayClient  # (start-up time: see sms)

        settings = self.alipay_settings()
        if settings is None:
            raise CloudFailure("error.payment.not_configured")
        return self._cached("alipay", settings, AlipayClient)

    def queue(self, kind: str):
        """The report (``"report"``) or reply (``"reply"``) queue."""
        from smsconsole.cloud.queues import ReportQueue  # (start-up time: see sms)

        settings = self.aliyun()
        name = settings.report_queue if kind == "report" else settings.reply_queue
        if not name:
            raise CloudFailure("error.cloud.queue_not_configured", kind=kind)
        return self._cached(f"queue:{kind}", settings, lambda st: ReportQueue(st, name))


__all__ = ["CloudProvider", "resolve_aliyun", "resolve_alipay", "sandbox_access_values",
           "sandbox_payment_values", "sandbox_endpoints", "stored_aliyun", "stored_alipay",
           "SCENARIOS"]
