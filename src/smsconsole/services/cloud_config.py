"""The cloud settings as plain values: what the admin enters (``AccessInput`` with its
``ScenarioInput`` per scenario, ``PaymentInput``) and what the console shows
(``AccessView``, ``PaymentView``: secrets masked), and how a stored row becomes a view.

Below both ``settings`` (which saves them) and ``cloud_access`` (which turns them into
working adapters), so neither needs the other's module for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsconsole.cloud.types import Scenario
from smsconsole.services.secrets import SecretBox, mask
from smsconsole.store.models import AliyunAccess, PaymentConfig, QueueMode, VerificationScenario


@dataclass
class ScenarioInput:
    sign_name: str = ""
    template_code: str = ""
    param_name: str = ""


@dataclass
class AccessInput:
    """AK 管理 fields (wizard step 3). ``sandbox`` fills them from the built-in sandbox."""

    sandbox: bool = False
    access_key_id: str = ""
    access_key_secret: str = field(default="", repr=False)  # blank on edit = keep
    scenarios: dict[str, ScenarioInput] = field(default_factory=dict)
    report_queue: str = ""
    reply_queue: str = ""
    queue_mode: str = QueueMode.ALICOM.value
    sms_endpoint: str = ""
    mns_endpoint: str = ""
    label: str = "default"


@dataclass(frozen=True)
class AccessView:
    """An AK row as the console shows it: the secret masked."""

    id: int
    label: str
    access_key_id: str
    secret_masked: str
    sandbox: bool
    queue_mode: str
    sms_endpoint: str
    mns_endpoint: str
    report_queue: str
    reply_queue: str
    scenarios: dict[str, Scenario]
    active: bool


@dataclass
class PaymentInput:
    app_id: str = ""
    app_private_key: str = field(default="", repr=False)  # PEM; blank on edit = keep
    alipay_public_key: str = ""
    notify_host: str = ""
    notify_port: int | str = 443
    access_type: str = "https"
    sandbox: bool = False
    gateway: str = ""


@dataclass(frozen=True)
class PaymentView:
    app_id: str
    private_key_masked: str
    alipay_public_key: str
    notify_host: str
    notify_port: int
    access_type: str
    sandbox: bool
    gateway: str
    notify_url: str



def access_view(s: Session, secrets: SecretBox, row: AliyunAccess) -> AccessView:
    scs = {sc.scenario: Scenario(sc.scenario, sc.sign_name, sc.template_code, sc.param_name)
           for sc in s.scalars(select(VerificationScenario).where(
               VerificationScenario.access_id == row.id))}
    return AccessView(
        id=row.id, label=row.label, access_key_id=row.access_key_id,
        secret_masked=mask(secrets.decrypt(row.access_key_secret_enc)),
        sandbox=row.sandbox, queue_mode=row.queue_mode.value, sms_endpoint=row.sms_endpoint,
        mns_endpoint=row.mns_endpoint, report_queue=row.report_queue,
        reply_queue=row.reply_queue, scenarios=scs, active=row.active,
    )


def access_row(s: Session, access_id: int | None) -> AliyunAccess | None:
    """One AK row (the active one when ``access_id`` is None)."""
    if access_id is not None:
        return s.get(AliyunAccess, access_id)
    return s.scalar(select(AliyunAccess).where(AliyunAccess.active).order_by(AliyunAccess.id))


def notify_url(data: PaymentInput | PaymentConfig) -> str:
    """Where Alipay posts its notifications, from the host, port and access type."""
    default_port = 443 if data.access_type == "https" else 80
    port = "" if int(data.notify_port) == default_port else f":{data.notify_port}"
    return f"{data.access_type}://{data.notify_host}{port}/alipay/notify"


def payment_view(row: PaymentConfig) -> PaymentView:
    return PaymentView(
        app_id=row.app_id, private_key_masked="-----BEGIN PRIVATE KEY----- ********",
        alipay_public_key=row.alipay_public_key, notify_host=row.notify_host,
        notify_port=row.notify_port, access_type=row.access_type, sandbox=row.sandbox,
        gateway=row.gateway, notify_url=notify_url(row),
    )
