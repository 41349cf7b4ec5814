"""The tables. Every entity of product.md, one class each.

Conventions: money in integer fen (``*_fen``); times are aware datetimes stored as UTC
(``UTCDateTime``); statuses and SMS types are ``StrEnum``s stored as their short
string values; indexes are named after what they serve (lists, filters, searches).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

# The enums live in store/enums.py (no SQLAlchemy there); re-exported here so
# `from smsconsole.store.models import X` keeps working.
from smsconsole.store.enums import (  # noqa: F401
    DeliveryStatus,
    HoldingSource,
    HoldingStatus,
    KeyStatus,
    OrderStatus,
    Origin,
    PushStatus,
    QueueMode,
    ReviewStatus,
    SignType,
    SmsType,
    TaskStatus,
    UserStatus,
)
from smsconsole.store.types import UTCDateTime


def enum_col(enum: type[StrEnum], length: int = 16, **kw) -> SAEnum:
    """A portable enum column: VARCHAR holding the value (no native PG type to migrate)."""
    return SAEnum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        **kw,
    )


def aware(nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


# --- admin and settings ------------------------------------------------------------


class Admin(SQLModel, table=True):
    """The console's administrator. Email and phone are the login ids and never change."""

    __tablename__ = "admin"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    email: str = Field(max_length=254, unique=True)
    phone: str = Field(max_length=20, unique=True)
    password_hash: str = Field(max_length=255, repr=False)
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    created_at: datetime = Field(sa_column=aware())
    last_login_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))


class SystemAuthorization(SQLModel, table=True):
    """获取系统授权: who the installation is licensed to (wizard step 1)."""

    __tablename__ = "system_authorization"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    company: str = Field(max_length=128)
    email: str = Field(max_length=254)
    phone: str = Field(max_length=20)
    purchase_order_no: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_column=aware())


class SiteInfo(SQLModel, table=True):
    """配置信息: what the public pages show (one row)."""

    __tablename__ = "site_info"
    id: int | None = Field(default=None, primary_key=True)
    logo_path: str = Field(default="", max_length=512)
    company: str = Field(default="", max_length=128)
    address: str = Field(default="", max_length=256)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    updated_at: datetime = Field(sa_column=aware())


class AliyunAccess(SQLModel, table=True):
    """AK 管理: an AccessKey pair and the two queue names. One row is active."""

    __tablename__ = "aliyun_access"
    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(default="default", max_length=64)
    access_key_id: str = Field(max_length=64)
    access_key_secret_enc: str = Field(max_length=512, repr=False)  # Fernet token
    sandbox: bool = False  # endpoints come from the built-in sandbox
    sms_endpoint: str = Field(default="", max_length=256)  # "" = Aliyun's
    queue_mode: QueueMode = Field(default=QueueMode.ALICOM, sa_type=enum_col(QueueMode))
    mns_endpoint: str = Field(default="", max_length=256)
    report_queue: str = Field(default="", max_length=128)
    reply_queue: str = Field(default="", max_length=128)
    active: bool = True
    created_at: datetime = Field(sa_column=aware())
    updated_at: datetime = Field(sa_column=aware())


class VerificationScenario(SQLModel, table=True):
    """用户注册 / 重置密码 / 重置手机号: signature + template CODE + parameter name."""

    __tablename__ = "verification_scenario"
    __table_args__ = (UniqueConstraint("access_id", "scenario", name="uq_scenario_access"),)
    id: int | None = Field(default=None, primary_key=True)
    access_id: int = Field(foreign_key="aliyun_access.id")
    scenario: str = Field(max_length=32)  # register | reset_password | change_phone
    sign_name: str = Field(max_length=64)
    template_code: str = Field(max_length=64)
    param_name: str = Field(max_length=32)


class PaymentConfig(SQLModel, table=True):
    """支付配置: Alipay open platform (app id + RSA2 keys), one row."""

    __tablename__ = "payment_config"
    id: int | None = Field(default=None, primary_key=True)
    app_id: str = Field(max_length=32)
    app_private_key_enc: str = Field(default="", sa_type=Text, repr=False)  # Fernet token of the PEM
    alipay_public_key: str = Field(default="", sa_type=Text)
    notify_host: str = Field(default="", max_length=256)
    notify_port: int = 443
    access_type: str = Field(default="https", max_length=8)  # http | https
    sandbox: bool = False
    gateway: str = Field(default="", max_length=256)  # "" = Alipay's
    updated_at: datetime = Field(sa_column=aware())


class AppSetting(SQLModel, table=True):
    """Small named settings (time zone, refund policy, lockout, low-quota threshold)."""

    __tablename__ = "app_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=512)


# --- customers, products, holdings, orders -------------------------------------------


class User(SQLModel, table=True):
    """A customer of the platform (用户)."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_registered", "registered_at", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=64, index=True)
    company: str = Field(default="", max_length=128)
    phone: str = Field(max_length=20, unique=True)
    email: str = Field(default="", max_length=254)
    password_hash: str = Field(default="", max_length=255, repr=False)
    status: UserStatus = Field(default=UserStatus.NORMAL, sa_type=enum_col(UserStatus))
    freeze_reason: str = Field(default="", max_length=256)
    max_signatures: int = 5
    max_templates: int = 10
    registered_at: datetime = Field(sa_column=aware())


class PackageProduct(SQLModel, table=True):
    """短信包: a quota package on sale. Retired (not erased) once it has orders."""

    __tablename__ = "package_product"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    sms_type: SmsType = Field(sa_type=enum_col(SmsType))
    message_count: int
    unit_price_fen: int  # per message, in fen
    validity_days: int
    price_fen: int
    recommended: bool = False
    on_sale: bool = True
    retired: bool = False
    created_at: datetime = Field(sa_column=aware())
    updated_at: datetime = Field(sa_column=aware())


class Holding(SQLModel, table=True):
    """Quota a user holds: bought with an order or allocated by the admin.

    remaining = total - used; a failed delivery gives its segments back (used decreases).
    """

    __tablename__ = "holding"
    __table_args__ = (
        Index("ix_holding_user_charge", "user_id", "status", "expires_at"),
        Index("ix_holding_allocated", "allocated_at", "id"),
        Index("ix_holding_expires", "expires_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    sms_type: SmsType = Field(sa_type=enum_col(SmsType))
    total: int
    used: int = 0
    expires_at: datetime = Field(sa_column=aware())
    status: HoldingStatus = Field(default=HoldingStatus.NORMAL, sa_type=enum_col(HoldingStatus))
    source: HoldingSource = Field(sa_type=enum_col(HoldingSource))
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    admin_id: int | None = Field(default=None, foreign_key="admin.id")
    allocated_at: datetime = Field(sa_column=aware())


class Order(SQLModel, table=True):
    """A user's purchase of a package. Paying it creates a holding, exactly once."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_created", "created_at", "id"),
        Index("ix_orders_status_created", "status", "created_at"),
        Index("ix_orders_user_created", "user_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_no: str = Field(max_length=32, unique=True)
    user_id: int = Field(foreign_key="users.id")
    package_id: int = Field(foreign_key="package_product.id")
    package_name: str = Field(max_length=64)
    sms_type: SmsType = Field(sa_type=enum_col(SmsType))
    count: int
    validity_days: int
    amount_fen: int
    list_amount_fen: int  # the package price when ordered, before any price change
    status: OrderStatus = Field(default=OrderStatus.UNPAID, sa_type=enum_col(OrderStatus))
    created_at: datetime = Field(sa_column=aware())
    paid_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    trade_no: str = Field(default="", max_length=64)


class OrderPriceChange(SQLModel, table=True):
    """改价: every price change of an unpaid order."""

    __tablename__ = "order_price_change"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    old_amount_fen: int
    new_amount_fen: int
    admin_id: int | None = Field(default=None, foreign_key="admin.id")
    reason: str = Field(default="", max_length=256)
    at: datetime = Field(sa_column=aware())


# --- signatures and templates --------------------------------------------------------


class Signature(SQLModel, table=True):
    __tablename__ = "signature"
    __table_args__ = (
        Index("ix_signature_status_applied", "status", "applied_at", "id"),
        Index("ix_signature_applied", "applied_at", "id"),
        Index("ix_signature_user", "user_id", "applied_at"),
        Index("ix_signature_name", "name"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    name: str = Field(max_length=12)
    sign_type: SignType = Field(sa_type=enum_col(SignType))
    source: int = 0  # Aliyun SignSource
    remark: str = Field(default="", max_length=256)
    status: ReviewStatus = Field(default=ReviewStatus.PENDING, sa_type=enum_col(ReviewStatus))
    reason: str = Field(default="", max_length=512)
    origin: Origin = Field(default=Origin.APPLIED, sa_type=enum_col(Origin))
    applied_at: datetime = Field(sa_column=aware())
    submitted_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    reviewed_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))


class Template(SQLModel, table=True):
    __tablename__ = "template"
    __table_args__ = (
        Index("ix_template_status_applied", "status", "applied_at", "id"),
        Index("ix_template_applied", "applied_at", "id"),
        Index("ix_template_user", "user_id", "applied_at"),
        Index("ix_template_code", "code"),
        # Statistics by template name scan names and codes only (a LIKE '%x%' on the
        # index instead of the table with its contents; migration 0002).
        Index("ix_template_name_code", "name", "code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    name: str = Field(max_length=30)
    code: str = Field(default="", max_length=64)  # Aliyun TemplateCode, once known
    sms_type: SmsType = Field(sa_type=enum_col(SmsType))
    content: str = Field(max_length=500)
    remark: str = Field(default="", max_length=256)
    status: ReviewStatus = Field(default=ReviewStatus.PENDING, sa_type=enum_col(ReviewStatus))
    reason: str = Field(default="", max_length=512)
    origin: Origin = Field(default=Origin.APPLIED, sa_type=enum_col(Origin))
    applied_at: datetime = Field(sa_column=aware())
    submitted_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    reviewed_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))


# --- sending, reports, replies ------------------------------------------------------


class SendTask(SQLModel, table=True):
    """One send request of a user (任务记录): a template to a list of numbers."""

    __tablename__ = "send_task"
    __table_args__ = (
        Index("ix_task_created", "created_at", "id"),
        Index("ix_task_user_created", "user_id", "created_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_column=aware())
    sign_name: str = Field(max_length=64)
    template_id: int | None = Field(default=None, foreign_key="template.id")
    template_code: str = Field(max_length=64)
    template_name: str = Field(default="", max_length=64)
    sms_type: SmsType = Field(sa_type=enum_col(SmsType))
    content: str = Field(default="", max_length=1000)  # rendered text with 【signature】
    params_json: str = Field(default="", sa_type=Text)
    numbers: int = 0  # records created (accepted for sending)
    invalid_numbers: int = 0
    duplicate_numbers: int = 0
    opted_out_numbers: int = 0
    segments_each: int = 1
    delivered: int = 0
    failed: int = 0
    status: TaskStatus = Field(default=TaskStatus.SENDING, sa_type=enum_col(TaskStatus))
    result_code: str = Field(default="", max_length=64)
    result_message: str = Field(default="", max_length=512)
    request_id: str = Field(default="", max_length=64)
    # The sender's last sign of life (before each cloud call): a ``sending`` task without
    # one for a while has no live owner and is reconciled (migration 0003).
    beat_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    out_id: str = Field(default="", max_length=256)  # the gateway customer's OutId
    # The BizId the gateway answered for this task (migration 0009; None: not a gateway send).
    biz_id: str | None = Field(default=None, max_length=64)


class SendRecord(SQLModel, table=True):
    """One message to one number (发送记录). ``content`` None means the task's content."""

    __tablename__ = "send_record"
    __table_args__ = (
        UniqueConstraint("biz_id", "phone", name="uq_record_biz_phone"),
        Index("ix_record_send_time", "send_time", "id"),
        Index("ix_record_user_time", "user_id", "send_time", "id"),
        Index("ix_record_status_time", "status", "send_time", "id"),
        # id too: a phone prefix's newest page is chosen from the index alone (PostgreSQL;
        # SQLite's indexes carry the rowid anyway).
        Index("ix_record_phone_time", "phone", "send_time", "id"),
        Index("ix_record_task_status", "task_id", "status", "id"),
        # A task's records newest first, any status (migration 0002): PostgreSQL walked
        # the primary key back to an old task instead (0.9 s), SQLite sorted the task.
        Index("ix_record_task_id", "task_id", "id"),
        Index("ix_record_template_time", "template_code", "send_time", "id"),
        # The send-records list filters by signature too (migration 0002): without it a
        # rarely used signature walked the whole table.
        Index("ix_record_sign_time", "sign_name", "send_time", "id"),
        # Reconciliation and reports that arrive before the BizId (migration 0003).
        Index("ix_record_out_phone", "out_id", "phone"),
        # A reply's record: the latest send to its phone under its signature (0004).
        Index("ix_record_phone_sign_time", "phone", "sign_name", "send_time"),
    )
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="send_task.id")
    user_id: int = Field(foreign_key="users.id")
    phone: str = Field(max_length=20)
    sign_name: str = Field(max_length=64)
    template_code: str = Field(max_length=64)
    sms_type: SmsType = Field(sa_type=enum_col(SmsType))
    content: str | None = Field(default=None, max_length=1000)
    segments: int = 1
    biz_id: str | None = Field(default=None, max_length=64)
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=enum_col(DeliveryStatus))
    err_code: str = Field(default="", max_length=64)
    err_msg: str = Field(default="", max_length=256)
    send_time: datetime = Field(sa_column=aware())
    report_time: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    holding_id: int | None = Field(default=None, foreign_key="holding.id")
    refunded: bool = False
    # The OutId of the cloud call that carries this message (one per call, unique): the
    # cloud echoes it in QuerySendDetails and in reports, so a call whose answer was lost
    # can be found again (migration 0003).
    out_id: str | None = Field(default=None, max_length=64)


class PendingReport(SQLModel, table=True):
    """A status report that arrived before its send record: applied when it appears."""

    __tablename__ = "pending_report"
    __table_args__ = (Index("ix_pending_report_key", "biz_id", "phone"),)
    id: int | None = Field(default=None, primary_key=True)
    biz_id: str = Field(max_length=64)
    phone: str = Field(max_length=20)
    payload: str = Field(sa_type=Text)  # the report JSON as received
    received_at: datetime = Field(sa_column=aware())


class Reply(SQLModel, table=True):
    """An upstream message (SmsUp) from a number, tied to the user it belongs to."""

    __tablename__ = "reply"
    __table_args__ = (
        UniqueConstraint("phone", "sequence_id", "send_time", name="uq_reply_dedupe"),
        Index("ix_reply_phone_time", "phone", "send_time"),
        Index("ix_reply_user_time", "user_id", "send_time"),
        Index("ix_reply_time", "send_time", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    phone: str = Field(max_length=20)
    content: str = Field(max_length=1000)
    sign_name: str = Field(default="", max_length=64)
    dest_code: str = Field(default="", max_length=32)
    sequence_id: str = Field(default="", max_length=32)
    send_time: datetime = Field(sa_column=aware())
    received_at: datetime = Field(sa_column=aware())
    unsubscribe: bool = False


class OptOut(SQLModel, table=True):
    """A number that asked a user to stop sending (退订): sends to it are skipped."""

    __tablename__ = "opt_out"
    __table_args__ = (UniqueConstraint("user_id", "phone", name="uq_optout_user_phone"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    phone: str = Field(max_length=20)
    source: str = Field(default="reply", max_length=16)  # reply | admin
    created_at: datetime = Field(sa_column=aware())


class DailyStat(SQLModel, table=True):
    """Daily rollup per (day, user, signature, template): statistics never scan records.

    pending = total - delivered - failed. ``day`` is the platform day of the send time.
    """

    __tablename__ = "daily_stat"
    __table_args__ = (
        Index("ix_daily_stat_user_day", "user_id", "day"),
        # Covering: a template-name filter sums a year of hundreds of templates from the
        # index alone (migration 0002).
        Index("ix_daily_stat_template_cover", "template_code", "day", "total", "delivered",
              "failed", "segments"),
        Index("ix_daily_stat_sign_day", "sign_name", "day"),
    )
    day: date = Field(primary_key=True)
    user_id: int = Field(primary_key=True)
    sign_name: str = Field(primary_key=True, max_length=64)
    template_code: str = Field(primary_key=True, max_length=64)
    sms_type: SmsType = Field(sa_type=enum_col(SmsType))
    total: int = 0
    delivered: int = 0
    failed: int = 0
    segments: int = 0


class DailyTotal(SQLModel, table=True):
    """Platform-wide daily totals: home and unfiltered statistics read one row a day."""

    __tablename__ = "daily_total"
    day: date = Field(primary_key=True)
    total: int = 0
    delivered: int = 0
    failed: int = 0
    segments: int = 0


class DailyType(SQLModel, table=True):
    """Platform-wide daily totals per SMS type (the template's): statistics filtered by
    type alone read one row a day instead of summing every ``daily_stat`` row of the
    type (migration 0002). Equals ``daily_stat`` summed by (day, sms_type)."""

    __tablename__ = "daily_type"
    day: date = Field(primary_key=True)
    sms_type: SmsType = Field(primary_key=True, sa_type=enum_col(SmsType))
    total: int = 0
    delivered: int = 0
    failed: int = 0
    segments: int = 0


class KeptAside(SQLModel, table=True):
    """A queue message the worker could not understand: kept with the reason, not retried."""

    __tablename__ = "kept_aside"
    __table_args__ = (Index("ix_kept_aside_time", "received_at", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    queue: str = Field(max_length=128)
    message_id: str = Field(default="", max_length=128)
    body: str = Field(sa_type=Text)
    reason: str = Field(max_length=512)
    received_at: datetime = Field(sa_column=aware())


class WorkerStatus(SQLModel, table=True):
    """Health of each running report worker, so the console can show another process's."""

    __tablename__ = "worker_status"
    worker_id: str = Field(primary_key=True, max_length=128)
    started_at: datetime = Field(sa_column=aware())
    beat_at: datetime = Field(sa_column=aware())
    last_receive_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    day: date | None = None
    reports_today: int = 0
    replies_today: int = 0
    kept_aside: int = 0
    error: str = Field(default="", max_length=512)
    backoff_until: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    stopped: bool = False


# --- audit ----------------------------------------------------------------------------


class AdminLog(SQLModel, table=True):
    """管理员日志: every admin action; nothing in the console edits or deletes it."""

    __tablename__ = "admin_log"
    __table_args__ = (
        Index("ix_admin_log_at", "at", "id"),
        Index("ix_admin_log_action_at", "action", "at"),
        Index("ix_admin_log_target", "target_type", "target_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=aware())
    admin_id: int | None = Field(default=None)
    admin_name: str = Field(default="", max_length=64)
    action: str = Field(max_length=64)  # e.g. "user.freeze", "order.price"
    target_type: str = Field(default="", max_length=32)
    target_id: str = Field(default="", max_length=64)
    target: str = Field(default="", max_length=256)  # human label of the target
    detail: str = Field(default="", sa_type=Text)  # JSON: {"field": [old, new], ...} or free text
    origin: str = Field(default="", max_length=64)  # SSH client address, or "local"


# --- customer gateway (gateway.md §2) ----------------------------------------------------


class CustomerKey(SQLModel, table=True):
    """A customer's AccessKey pair for the Aliyun-compatible API; the secret Fernet-
    encrypted (the gateway needs it back to check HMAC signatures), shown once."""

    __tablename__ = "customer_key"
    __table_args__ = (Index("ix_customer_key_user", "user_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    access_key_id: str = Field(max_length=32, unique=True)
    secret_enc: str = Field(max_length=512, repr=False)
    status: KeyStatus = Field(default=KeyStatus.ENABLED, sa_type=enum_col(KeyStatus))
    created_at: datetime = Field(sa_column=aware())
    last_used_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))


class CustomerGateway(SQLModel, table=True):
    """Per-customer gateway settings: the QPS limit (None: the platform default) and the
    callback URLs reports and replies are pushed to."""

    __tablename__ = "customer_gateway"
    user_id: int = Field(foreign_key="users.id", primary_key=True)
    qps_limit: int | None = None
    report_url: str = Field(default="", max_length=512)
    reply_url: str = Field(default="", max_length=512)
    updated_at: datetime = Field(sa_column=aware())


class GatewayNonce(SQLModel, table=True):
    """Signature nonces seen in the last 15 minutes, shared by every gateway process."""

    __tablename__ = "gateway_nonce"
    __table_args__ = (Index("ix_gateway_nonce_at", "at"),)
    nonce: str = Field(primary_key=True, max_length=200)
    at: datetime = Field(sa_column=aware())


class PushItem(SQLModel, table=True):
    """One report (SmsReport) or reply (SmsUp) to push to a customer's callback URL, in
    Aliyun's batch-push item format; done only after the receiver's HTTP 200."""

    __tablename__ = "push_item"
    __table_args__ = (Index("ix_push_item_due", "status", "next_at", "id"),
                      Index("ix_push_item_user", "user_id", "status", "id"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=8)  # report | reply
    payload: str = Field(sa_type=Text)  # one JSON object
    status: PushStatus = Field(default=PushStatus.PENDING, sa_type=enum_col(PushStatus))
    attempts: int = 0
    next_at: datetime = Field(sa_column=aware())
    created_at: datetime = Field(sa_column=aware())
    done_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    last_error: str = Field(default="", max_length=256)


class GatewayDaily(SQLModel, table=True):
    """Gateway requests and refusals per platform day and customer (0: no known key),
    for the home screen and the status line; counted in memory, added every few seconds."""

    __tablename__ = "gateway_daily"
    day: date = Field(primary_key=True)
    user_id: int = Field(primary_key=True)
    requests: int = 0
    errors: int = 0


# --- login throttling (hardening) -----------------------------------------------------


class LoginLock(SQLModel, table=True):
    """Failed logins of one admin from one origin (SSH client address or ``local``).

    The lock is per (admin, origin), so failures from one place never lock the admin
    out from another; ``Admin.failed_logins``/``locked_until`` keep the slower global
    count across origins (see ``services.auth``).
    """

    __tablename__ = "login_lock"
    __table_args__ = (UniqueConstraint("admin_id", "origin", name="uq_login_lock_admin_origin"),)
    id: int | None = Field(default=None, primary_key=True)
    admin_id: int = Field(foreign_key="admin.id")
    origin: str = Field(max_length=64)
    failed: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=aware(nullable=True))


# --- the front door: customer accounts, sessions, verification codes, payments -------


class CustomerAccount(SQLModel, table=True):
    """Portal-side facts about a user: how they registered, logins, lockout.

    A user the admin or the demo created has no row until they first log in."""

    __tablename__ = "customer_account"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    registered_via: str = Field(default="console", max_length=16)  # portal | console
    last_login_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=aware(nullable=True))


class CustomerSession(SQLModel, table=True):
    """A customer's login session: only the SHA-256 of the bearer token is kept."""

    __tablename__ = "customer_session"
    __table_args__ = (Index("ix_customer_session_user", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    token_hash: str = Field(max_length=64, unique=True, repr=False)
    created_at: datetime = Field(sa_column=aware())
    expires_at: datetime = Field(sa_column=aware())
    revoked_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    origin: str = Field(default="", max_length=64)


class VerificationCode(SQLModel, table=True):
    """One verification code sent by the platform (its own AccessKey, not a customer's).

    The code is kept as an HMAC only; every request is a row, so the per-phone and
    per-IP limits count rows. ``biz_id`` ties it to the platform's send upstream."""

    __tablename__ = "verification_code"
    __table_args__ = (
        Index("ix_vcode_phone_created", "phone", "created_at"),
        Index("ix_vcode_ip_created", "ip", "created_at"),
        Index("ix_vcode_created", "created_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(max_length=20)
    scenario: str = Field(max_length=32)
    code_hash: str = Field(max_length=128, repr=False)
    ip: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_column=aware())
    expires_at: datetime = Field(sa_column=aware())
    attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    sent: bool = False  # False: the platform's send failed (the row still counts)
    biz_id: str = Field(default="", max_length=64)
    sign_name: str = Field(default="", max_length=64)
    template_code: str = Field(default="", max_length=64)
    result_code: str = Field(default="", max_length=64)


class OrderPayment(SQLModel, table=True):
    """How an order was confirmed paid: Alipay's notification, the admin's check, or
    the buyer's return page; and when."""

    __tablename__ = "order_payment"
    order_id: int = Field(primary_key=True, foreign_key="orders.id")
    via: str = Field(max_length=16)  # notify | check | return
    confirmed_at: datetime = Field(sa_column=aware())
    trade_no: str = Field(default="", max_length=64)
    notify_id: str = Field(default="", max_length=64)


# --- risk control (风控, product.md §7) ---------------------------------------------


class RiskLimit(SQLModel, table=True):
    """A customer's own daily/monthly message limits (None = the platform default)."""

    __tablename__ = "risk_limit"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    day_limit: int | None = None
    month_limit: int | None = None
    updated_at: datetime = Field(sa_column=aware())


class RiskBlacklist(SQLModel, table=True):
    """A number no customer may send to (the platform's blacklist)."""

    __tablename__ = "risk_blacklist"
    phone: str = Field(primary_key=True, max_length=20)
    note: str = Field(default="", max_length=256)
    created_at: datetime = Field(sa_column=aware())


class RiskWord(SQLModel, table=True):
    """A blocked word; ``norm`` is its matching form (NFKC, casefolded, no spaces or
    punctuation), unique."""

    __tablename__ = "risk_word"
    id: int | None = Field(default=None, primary_key=True)
    word: str = Field(max_length=64)
    norm: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=aware())


class RiskHold(SQLModel, table=True):
    """A task held by risk control: released (sent then) or rejected with a reason."""

    __tablename__ = "risk_hold"
    __table_args__ = (Index("ix_risk_hold_status", "status", "created_at"),)
    task_id: int = Field(primary_key=True, foreign_key="send_task.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)  # quiet_hours | volume
    detail: str = Field(default="", max_length=256)
    created_at: datetime = Field(sa_column=aware())
    hold_until: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    status: str = Field(default="waiting", max_length=16)  # waiting | released | rejected
    decided_at: datetime | None = Field(default=None, sa_column=aware(nullable=True))
    decided_by: str = Field(default="", max_length=64)
    reason: str = Field(default="", max_length=256)


class RiskEvent(SQLModel, table=True):
    """One rule hit: a send refused in whole or in part, or held. ``count`` is how many
    numbers (per-number rules) or 1 (task rules); ``day`` is the platform day."""

    __tablename__ = "risk_event"
    __table_args__ = (
        Index("ix_risk_event_day_rule", "day", "rule"),
        Index("ix_risk_event_user_at", "user_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=aware())
    day: date
    user_id: int
    rule: str = Field(max_length=16)
    task_id: int | None = None
    count: int = 1
    detail: str = Field(default="", max_length=256)


class DailyTemplateName(SQLModel, table=True):
    """Daily totals per template name (migration 0008): a name is shared by the templates
    of many users, and statistics by template name read a year of a few rows a day here
    instead of summing every ``daily_stat`` row of hundreds of codes. A code counts under
    its template's name (the first template holding the code); equals ``daily_stat``
    summed by that name (kept by ``services.rollups.bump``)."""

    __tablename__ = "daily_template_name"
    template_name: str = Field(primary_key=True, max_length=30)
    day: date = Field(primary_key=True)
    total: int = 0
    delivered: int = 0
    failed: int = 0
    segments: int = 0
