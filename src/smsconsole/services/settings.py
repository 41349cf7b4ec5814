"""初始化信息: site info (配置信息), Aliyun access (AK 管理), payment (支付配置), and
small app settings. Secrets are encrypted at rest and masked when shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsconsole.cloud.types import SCENARIOS, AlipaySettings, AliyunSettings, CheckItem, Scenario
from smsconsole.i18n import get_lang
from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.cloud_access import (
    resolve_aliyun,
    sandbox_access_values,
    stored_alipay,
    stored_aliyun,
)

# The forms and views live below this module and cloud_access (no circle); named here too.
from smsconsole.services.cloud_config import (
    AccessInput,
    AccessView,
    PaymentInput,
    PaymentView,
    ScenarioInput,
    access_row,
    access_view,
    notify_url,
    payment_view,
)
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import CloudFailure, Invalid, NotFound
from smsconsole.store.models import (
    AliyunAccess,
    AppSetting,
    PaymentConfig,
    QueueMode,
    SiteInfo,
    VerificationScenario,
)

QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,119}$")
HOST_PORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")

# App settings with their defaults (strings in the table).
DEFAULTS = {
    "timezone": "Asia/Shanghai",
    "refund_failed": "1",  # failed deliveries give their segments back
    "lockout_attempts": "5",
    "lockout_minutes": "15",
    "low_quota_threshold": "100",
    "gateway_qps": "5000",  # per-AccessKey requests a second (Aliyun's default per account)
    "default_max_signatures": "5",  # a customer registering on the portal gets these
    "default_max_templates": "10",
}

SIGNUP_DEFAULTS = ("default_max_signatures", "default_max_templates")


__all__ = ["AccessInput", "AccessView", "PaymentInput", "PaymentView", "ScenarioInput",
           "SiteInput", "SiteView", "SettingsService", "DEFAULTS", "get_setting", "get_int_setting"]


def get_setting(session: Session, key: str) -> str:
    row = session.get(AppSetting, key)
    return row.value if row else DEFAULTS.get(key, "")


def get_int_setting(session: Session, key: str, default: int) -> int:
    try:
        return int(get_setting(session, key) or default)
    except ValueError:
        return default


@dataclass
class SiteInput:
    logo_path: str = ""
    company: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class SiteView:
    """配置信息 as the console and the portal show it (a plain value, not the row)."""

    logo_path: str
    company: str
    address: str
    email: str
    phone: str
    updated_at: datetime

    @classmethod
    def of(cls, row: SiteInfo) -> SiteView:
        return cls(logo_path=row.logo_path, company=row.company, address=row.address,
                   email=row.email, phone=row.phone, updated_at=row.updated_at)


class SettingsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- site info --------------------------------------------------------------------

    def validate_site(self, data: SiteInput) -> SiteInput:
        return SiteInput(**v.every(
            logo_path=lambda: v.image_file(data.logo_path, "logo_path"),
            company=lambda: v.text(data.company, "company", max_len=128),
            address=lambda: v.text(data.address, "address", max_len=256, required=False),
            email=lambda: v.email(data.email, "email", required=False),
            phone=lambda: v.contact_phone(data.phone, "phone", required=False),
        ))

    def save_site(self, s: Session, actor: Actor, data: SiteInput) -> SiteInfo:
        row = s.scalar(select(SiteInfo).limit(1))
        new = vars(data)
        if row is None:
            row = SiteInfo(updated_at=self.ctx.clock.now(), **new)
            s.add(row)
            old = {}
        else:
            old = {k: getattr(row, k) for k in new}
            for k, val in new.items():
                setattr(row, k, val)
            row.updated_at = self.ctx.clock.now()
        diff = adminlog.changes(old, new)
        if diff:
            adminlog.record(s, self.ctx, actor, "settings.site", target_type="site",
                            target="site", detail=diff)
        return row

    def site(self) -> SiteView | None:
        with self.ctx.store.read() as s:
            row = s.scalar(select(SiteInfo).limit(1))
            return SiteView.of(row) if row else None

    def update_site(self, actor: Actor, data: SiteInput) -> SiteView:
        data = self.validate_site(data)
        with self.ctx.store.session() as s:
            row = self.save_site(s, actor, data)
            s.flush()
            return SiteView.of(row)

    # --- Aliyun access ----------------------------------------------------------------

    def sandbox_access(self) -> AccessInput:
        """Working AK 管理 values for the built-in sandbox (its fixed AK, its approved
        verification signature/template for the three scenarios, its queue names)."""
        return sandbox_access_values(self.ctx)

    def validate_access(self, data: AccessInput, *, creating: bool) -> AccessInput:
        if data.sandbox and creating and not data.access_key_id:
            data = self.sandbox_access()
        ak = v.text(data.access_key_id, "access_key_id", max_len=64)
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", ak):
            raise Invalid("error.access.key_id_format", "access_key_id")
        secret = v.clean(data.access_key_secret, "access_key_secret")
        if creating and not secret:
            raise Invalid("error.field.required", "access_key_secret")
        if len(secret) > 128:
            raise Invalid("error.field.too_long", "access_key_secret", max=128)
        scenarios: dict[str, ScenarioInput] = {}
        for key in SCENARIOS:
            sc = data.scenarios.get(key) or ScenarioInput()
            scenarios[key] = ScenarioInput(
                sign_name=v.text(sc.sign_name, f"scenario.{key}.sign_name", min_len=2, max_len=12),
                template_code=v.text(sc.template_code, f"scenario.{key}.template_code", max_len=64),
                param_name=v.text(sc.param_name, f"scenario.{key}.param_name", max_len=32),
            )
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", scenarios[key].param_name):
                raise Invalid("error.access.param_name", f"scenario.{key}.param_name")
        for fld in ("report_queue", "reply_queue"):
            name = v.text(getattr(data, fld), fld, max_len=120)
            if not QUEUE_NAME.match(name):
                raise Invalid("error.access.queue_name", fld)
        mode = v.one_of(data.queue_mode, QueueMode, "queue_mode")
        sms_ep = v.clean(data.sms_endpoint, "sms_endpoint")
        if sms_ep and not HOST_PORT.match(sms_ep):
            raise Invalid("error.access.sms_endpoint", "sms_endpoint")
        mns_ep = v.clean(data.mns_endpoint, "mns_endpoint").rstrip("/")
        if mns_ep and not re.match(r"^https?://[^/\s]+$", mns_ep):
            raise Invalid("error.access.mns_endpoint", "mns_endpoint")
        if mode == QueueMode.OWN and not mns_ep and not data.sandbox:
            raise Invalid("error.field.required", "mns_endpoint")
        return AccessInput(
            sandbox=data.sandbox, access_key_id=ak, access_key_secret=secret,
            scenarios=scenarios, report_queue=v.clean(data.report_queue, "report_queue"),
            reply_queue=v.clean(data.reply_queue, "reply_queue"), queue_mode=mode.value, sms_endpoint=sms_ep,
            mns_endpoint=mns_ep, label=v.text(data.label or "default", "label", max_len=64),
        )

    def save_access(self, s: Session, actor: Actor, access_id: int | None,
                    data: AccessInput) -> AliyunAccess:
        now = self.ctx.clock.now()
        fields = dict(label=data.label, access_key_id=data.access_key_id, sandbox=data.sandbox,
                      sms_endpoint=data.sms_endpoint, queue_mode=QueueMode(data.queue_mode),
                      mns_endpoint=data.mns_endpoint, report_queue=data.report_queue,
                      reply_queue=data.reply_queue)
        if access_id is None:
            row = AliyunAccess(created_at=now, updated_at=now, active=True,
                               access_key_secret_enc=self.ctx.secrets.encrypt(data.access_key_secret),
                               **fields)
            s.add(row)
            s.flush()
            old: dict = {}
            action = "settings.access.create"
        else:
            row = s.get(AliyunAccess, access_id)
            if row is None:
                raise NotFound("error.access.not_found", id=access_id)
            old = {k: getattr(row, k) for k in fields}
            for k, val in fields.items():
                setattr(row, k, val)
            if data.access_key_secret:
                if self.ctx.secrets.decrypt(row.access_key_secret_enc) != data.access_key_secret:
                    old["access_key_secret"] = "***"
                    fields["access_key_secret"] = "*** (changed)"
                row.access_key_secret_enc = self.ctx.secrets.encrypt(data.access_key_secret)
            row.updated_at = now
            action = "settings.access.update"
        existing = {sc.scenario: sc for sc in s.scalars(
            select(VerificationScenario).where(VerificationScenario.access_id == row.id))}
        for key, sc in data.scenarios.items():
            cur = existing.get(key)
            new_sc = (sc.sign_name, sc.template_code, sc.param_name)
            if cur is None:
                s.add(VerificationScenario(access_id=row.id, scenario=key, sign_name=sc.sign_name,
                                           template_code=sc.template_code, param_name=sc.param_name))
                old[f"scenario.{key}"] = None
            else:
                old[f"scenario.{key}"] = "/".join((cur.sign_name, cur.template_code, cur.param_name))
                cur.sign_name, cur.template_code, cur.param_name = new_sc
            fields[f"scenario.{key}"] = "/".join(new_sc)
        diff = adminlog.changes(old, fields)
        if diff or access_id is None:
            adminlog.record(s, self.ctx, actor, action, target_type="aliyun_access",
                            target_id=row.id, target=f"{row.label} {row.access_key_id}",
                            detail=diff)
        return row

    def _view(self, s: Session, row: AliyunAccess) -> AccessView:
        return access_view(s, self.ctx.secrets, row)

    def list_access(self) -> list[AccessView]:
        with self.ctx.store.read() as s:
            return [self._view(s, r) for r in s.scalars(select(AliyunAccess).order_by(AliyunAccess.id))]

    def access(self, access_id: int | None = None) -> AccessView | None:
        """One AK row (the active one when ``access_id`` is None)."""
        with self.ctx.store.read() as s:
            row = self._access_row(s, access_id)
            return self._view(s, row) if row else None

    def _access_row(self, s: Session, access_id: int | None) -> AliyunAccess | None:
        return access_row(s, access_id)

    def update_access(self, actor: Actor, access_id: int, data: AccessInput) -> AccessView:
        data = self.validate_access(data, creating=False)
        with self.ctx.store.session() as s:
            row = self.save_access(s, actor, access_id, data)
            s.flush()
            view = self._view(s, row)
        self.ctx.cloud.invalidate()
        return view

    def reveal_secret(self, actor: Actor, access_id: int) -> str:
        """The AccessKey secret in clear. Logged: who looked, when, from where."""
        with self.ctx.store.session() as s:
            row = s.get(AliyunAccess, access_id)
            if row is None:
                raise NotFound("error.access.not_found", id=access_id)
            adminlog.record(s, self.ctx, actor, "settings.access.reveal_secret",
                            target_type="aliyun_access", target_id=row.id,
                            target=f"{row.label} {row.access_key_id}")
            return self.ctx.secrets.decrypt(row.access_key_secret_enc)

    # --- payment -----------------------------------------------------------------------

    def validate_payment(self, data: PaymentInput, *, creating: bool) -> PaymentInput:
        app_id = v.text(data.app_id, "app_id", max_len=32)
        if not app_id.isdigit():
            raise Invalid("error.payment.app_id", "app_id")
        key = v.clean(data.app_private_key, "app_private_key", multiline=True)
        if creating and not key:
            raise Invalid("error.field.required", "app_private_key")
        pub = v.clean(data.alipay_public_key, "alipay_public_key", multiline=True)
        if not pub:
            raise Invalid("error.field.required", "alipay_public_key")
        host = v.text(data.notify_host, "notify_host", max_len=256)
        if not re.fullmatch(r"[A-Za-z0-9.\-]+", host):
            raise Invalid("error.payment.notify_host", "notify_host")
        port = v.positive_int(data.notify_port, "notify_port", maximum=65535)
        access_type = v.one_of(data.access_type, ("http", "https"), "access_type")
        gateway = v.clean(data.gateway, "gateway")
        if gateway and not re.match(r"^https?://\S+$", gateway):
            raise Invalid("error.payment.gateway", "gateway")
        return PaymentInput(app_id=app_id, app_private_key=key, alipay_public_key=pub,
                            notify_host=host, notify_port=port, access_type=access_type,
                            sandbox=data.sandbox, gateway=gateway)

    def update_payment(self, actor: Actor, data: PaymentInput) -> PaymentView:
        """Save the Alipay settings after checking the keys parse and a test signature
        made with the private key verifies (the check needs the app's public key, so it
        signs and verifies with the pair the admin gave)."""
        with self.ctx.store.read() as s:
            existing = s.scalar(select(PaymentConfig).limit(1))
        data = self.validate_payment(data, creating=existing is None)
        private_pem = data.app_private_key or self.ctx.secrets.decrypt(existing.app_private_key_enc)
        settings = AlipaySettings(app_id=data.app_id, app_private_key=private_pem,
                                  alipay_public_key=data.alipay_public_key,
                                  gateway=data.gateway or AlipaySettings.gateway,
                                  notify_url=notify_url(data))
        # Here, not at the top: the Alipay SDK costs over a second (the login imports this).
        from smsconsole.cloud.payments import AlipayClient

        try:
            AlipayClient(settings).validate_keys()
        except Exception as exc:  # noqa: BLE001 - the adapter names the wrong key
            fld = getattr(exc, "field", None) or "app_private_key"
            raise Invalid("error.payment.keys", fld, detail=str(exc)[:200]) from None
        now = self.ctx.clock.now()
        fields = dict(app_id=data.app_id, alipay_public_key=data.alipay_public_key,
                      notify_host=data.notify_host, notify_port=int(data.notify_port),
                      access_type=data.access_type, sandbox=data.sandbox, gateway=data.gateway)
        with self.ctx.store.session() as s:
            row = s.scalar(select(PaymentConfig).limit(1))
            if row is None:
                row = PaymentConfig(updated_at=now, **fields,
                                    app_private_key_enc=self.ctx.secrets.encrypt(private_pem))
                s.add(row)
                old: dict = {}
            else:
                old = {k: getattr(row, k) for k in fields}
                for k, val in fields.items():
                    setattr(row, k, val)
                if data.app_private_key:
                    row.app_private_key_enc = self.ctx.secrets.encrypt(private_pem)
                    old["app_private_key"] = "***"
                    fields["app_private_key"] = "*** (changed)"
                row.updated_at = now
            adminlog.record(s, self.ctx, actor, "settings.payment", target_type="payment",
                            target=f"alipay {data.app_id}", detail=adminlog.changes(old, fields))
            s.flush()
            view = payment_view(row)
        self.ctx.cloud.invalidate()
        return view

    def payment(self) -> PaymentView | None:
        with self.ctx.store.read() as s:
            row = s.scalar(select(PaymentConfig).limit(1))
            return payment_view(row) if row else None

    def reveal_private_key(self, actor: Actor) -> str:
        with self.ctx.store.session() as s:
            row = s.scalar(select(PaymentConfig).limit(1))
            if row is None:
                raise NotFound("error.payment.not_configured")
            adminlog.record(s, self.ctx, actor, "settings.payment.reveal_key",
                            target_type="payment", target=f"alipay {row.app_id}")
            return self.ctx.secrets.decrypt(row.app_private_key_enc)

    # --- app settings -------------------------------------------------------------------

    def get(self, key: str) -> str:
        with self.ctx.store.read() as s:
            return get_setting(s, key)

    def set(self, actor: Actor, key: str, value: str) -> None:
        if key not in DEFAULTS:
            raise Invalid("error.setting.unknown", "key", key=key)
        value = v.clean(value if isinstance(value, str) else str(value), "value")
        if key == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise Invalid("error.setting.timezone", "value", value=value) from None
        elif key == "refund_failed":
            value = "1" if value.lower() in ("1", "true", "yes", "on") else "0"
        else:
            value = str(v.positive_int(value, "value", maximum=10_000_000))
        with self.ctx.store.session() as s:
            row = s.get(AppSetting, key)
            old = row.value if row else DEFAULTS[key]
            if row is None:
                s.add(AppSetting(key=key, value=value))
            else:
                row.value = value
            adminlog.record(s, self.ctx, actor, "settings.app", target_type="setting",
                            target_id=key, target=key, detail={key: [old, value]})
        if key == "timezone":
            self.ctx.clock.tz = ZoneInfo(value)

    def signup_defaults(self) -> dict[str, int]:
        """The signature/template limits a customer registering on the portal gets."""
        with self.ctx.store.read() as s:
            return {k: get_int_setting(s, k, int(DEFAULTS[k])) for k in SIGNUP_DEFAULTS}

    def set_signup_defaults(self, actor: Actor, values: dict) -> dict[str, int]:
        """Both limits checked (each refusal names its field, as a user's limits do) and
        saved in one transaction with one admin log entry; unchanged: nothing written."""
        new = {k: v.positive_int(values.get(k), k, maximum=1000, allow_zero=True)
               for k in SIGNUP_DEFAULTS}
        with self.ctx.store.session() as s:
            diff = {}
            for key, value in new.items():
                row = s.get(AppSetting, key)
                old = row.value if row else DEFAULTS[key]
                if old == str(value):
                    continue
                diff[key] = [old, str(value)]
                if row is None:
                    s.add(AppSetting(key=key, value=str(value)))
                else:
                    row.value = str(value)
            if diff:
                adminlog.record(s, self.ctx, actor, "settings.signup_defaults",
                                target_type="setting", target="signup_defaults", detail=diff)
        return new

    # --- the cloud, from the settings --------------------------------------------------

    def aliyun_settings(self) -> AliyunSettings | None:
        """The active AK row as adapter settings (secret decrypted; sandbox resolved)."""
        return stored_aliyun(self.ctx)

    def alipay_settings(self) -> AlipaySettings | None:
        return stored_alipay(self.ctx)

    def check_typed_access(self, data: AccessInput, secret: str, *,
                           access_id: int = 0) -> list[CheckItem]:
        """The Aliyun checks on typed, unsaved AK settings (``data`` validated): what the
        AK form's test and the setup wizard's step 3 run before anything is stored."""
        view = AccessView(
            id=access_id, label=data.label, access_key_id=data.access_key_id,
            secret_masked="", sandbox=data.sandbox, queue_mode=data.queue_mode,
            sms_endpoint=data.sms_endpoint, mns_endpoint=data.mns_endpoint,
            report_queue=data.report_queue, reply_queue=data.reply_queue,
            scenarios={k: Scenario(k, sc.sign_name, sc.template_code, sc.param_name)
                       for k, sc in data.scenarios.items()},
            active=True)
        return self.check(aliyun=resolve_aliyun(self.ctx, view, secret))

    def check(self, aliyun: AliyunSettings | None = None,
              alipay: AlipaySettings | None = None, *, only: str | None = None,
              lang: str | None = None) -> list[CheckItem]:
        """``smsconsole check``: the configured (or given) cloud settings, item by item.

        ``only="aliyun"`` or ``"alipay"`` checks one side (a settings page testing what
        it shows); given settings are checked instead of the stored ones."""
        # Here, not at the top: the checks import both cloud SDKs (over a second).
        from smsconsole.cloud.checks import run_checks

        lang = lang or get_lang()
        try:
            if only != "alipay":
                aliyun = aliyun or self.aliyun_settings()
            if only != "aliyun":
                alipay = alipay or self.alipay_settings()
        except CloudFailure as exc:
            return [CheckItem("sandbox", False, exc.message(lang))]
        return run_checks(aliyun if only != "alipay" else None,
                          alipay if only != "aliyun" else None, lang=lang)
