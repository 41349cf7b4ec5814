"""Plain data passed between the services and the cloud adapters.

These are the contract between ``services/`` and ``cloud/``: the adapters turn SDK
responses into these, the services never see an SDK model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as _field  # CheckItem has an attribute named ``field``
from datetime import datetime

# Review status of a signature or template on the cloud side.
REVIEWING = "reviewing"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"

# Template types as the console names them (Aliyun's numbering differs per API).
VERIFICATION = "verification"
NOTIFICATION = "notification"
PROMOTION = "promotion"
INTERNATIONAL = "international"


@dataclass(frozen=True)
class SendResult:
    """What SendSms / SendBatchSms answered for one call (Code was OK)."""

    biz_id: str
    request_id: str
    code: str = "OK"
    message: str = "OK"


@dataclass(frozen=True)
class SignInfo:
    name: str
    status: str  # REVIEWING | APPROVED | REJECTED | CANCELLED
    reason: str = ""
    sign_type: str | None = None  # "verification" | "general" when known
    created: str = ""


@dataclass(frozen=True)
class TemplateInfo:
    code: str
    name: str
    template_type: str  # VERIFICATION | NOTIFICATION | PROMOTION | INTERNATIONAL
    content: str
    status: str  # REVIEWING | APPROVED | REJECTED | CANCELLED
    reason: str = ""
    created: str = ""


@dataclass(frozen=True)
class SendDetail:
    """One row of QuerySendDetails."""

    phone: str
    status: str  # "pending" | "delivered" | "failed"
    err_code: str
    template_code: str
    content: str
    send_date: str
    receive_date: str
    out_id: str = ""


@dataclass(frozen=True)
class MnsToken:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str = field(repr=False)
    expire_time: datetime  # aware


@dataclass(frozen=True)
class QueueMessage:
    """One message received from an MNS queue; ``body`` is the decoded payload bytes."""

    message_id: str
    receipt_handle: str
    body: bytes
    dequeue_count: int
    enqueue_time_ms: int = 0


@dataclass(frozen=True)
class TradeStatus:
    """alipay.trade.query answer. ``exists`` is False for ACQ.TRADE_NOT_EXIST."""

    exists: bool
    status: str = ""  # WAIT_BUYER_PAY | TRADE_CLOSED | TRADE_SUCCESS | TRADE_FINISHED
    trade_no: str = ""
    out_trade_no: str = ""
    total_amount_fen: int = 0
    paid_at: str = ""  # "yyyy-MM-dd HH:mm:ss" China time, as Alipay sends it

    @property
    def paid(self) -> bool:
        return self.exists and self.status in ("TRADE_SUCCESS", "TRADE_FINISHED")


@dataclass(frozen=True)
class CheckItem:
    """One line of ``smsconsole check``: which setting, ok or what is wrong."""

    item: str  # e.g. "aliyun.access_key", "scenario.register.template_code", "queue.report"
    ok: bool
    detail: str = ""
    field: str | None = None  # the settings field to point the admin at
    extra: dict = _field(default_factory=dict)


# --- settings handed to the adapters (decrypted, in memory only) -----------------------

SCENARIOS = ("register", "reset_password", "change_phone")


@dataclass(frozen=True)
class Scenario:
    """A verification-code scenario: which signature and template send the code."""

    key: str  # one of SCENARIOS
    sign_name: str
    template_code: str
    param_name: str


@dataclass(frozen=True)
class AliyunSettings:
    """Everything the SMS and queue adapters need. ``repr`` never shows the secret."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    # None means the real cloud; otherwise "host:port" (no scheme) for the SMS/dybaseapi API.
    sms_endpoint: str | None = None
    sms_protocol: str = "https"
    # "alicom": Aliyun's own queues through QueryTokenForMnsQueue; "own": the admin's MNS
    # account, with the same AK.
    queue_mode: str = "alicom"
    # MNS endpoint URL with scheme, e.g. "https://1943695596114318.mns.cn-hangzhou.aliyuncs.com".
    mns_endpoint: str | None = None
    report_queue: str = ""
    reply_queue: str = ""
    scenarios: tuple[Scenario, ...] = ()


@dataclass(frozen=True)
class AlipaySettings:
    app_id: str
    app_private_key: str = field(repr=False)  # PEM
    alipay_public_key: str = ""  # PEM
    gateway: str = "https://openapi.alipay.com/gateway.do"
    notify_url: str = ""
    sign_type: str = "RSA2"
