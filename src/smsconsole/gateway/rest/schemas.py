"""Request and response bodies of the REST API (the OpenAPI document is made from them).

Strings have bounds here so that an oversized field is refused before any service runs;
the services check the rest and say what is wrong in zh or en.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SiteOut(BaseModel):
    company: str
    logo_path: str
    address: str
    email: str
    phone: str


class PackageOut(BaseModel):
    id: int
    name: str
    type: str
    count: int
    price_yuan: str
    valid_days: int
    recommended: bool


class CodeIn(_In):
    phone: str = Field(max_length=32)
    scenario: Literal["register", "reset_password", "change_phone"]


class Accepted(BaseModel):
    accepted: bool = True


class AccountIn(_In):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=16)
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)
    company: str = Field(max_length=128)
    name: str = Field(max_length=64)


class AccountOut(BaseModel):
    account: str
    id: int


class SessionIn(_In):
    login: str = Field(max_length=254)
    password: str = Field(max_length=128)


class SessionOut(BaseModel):
    token: str
    expires_at: datetime


class PasswordResetIn(_In):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=16)
    password: str = Field(max_length=128)


class PhoneIn(_In):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=16)


class Quota(BaseModel):
    general: int
    notification: int
    verification: int
    promotion: int


class ProfileOut(BaseModel):
    id: int
    account: str
    name: str
    company: str
    phone: str
    email: str
    status: str
    freeze_reason: str
    registered_at: datetime
    max_signatures: int
    max_templates: int
    quota: Quota


class OrderIn(_In):
    package_id: int = Field(ge=1, le=2**31 - 1)


class OrderOut(BaseModel):
    order_no: str
    package_id: int
    package_name: str
    type: str
    count: int
    amount_yuan: str
    status: Literal["unpaid", "paid", "void"]
    created_at: datetime
    paid_at: datetime | None


class OrderCreated(OrderOut):
    pay_url: str


class SignatureIn(_In):
    name: str = Field(max_length=32)
    type: Literal["verification", "general"] = "general"
    remark: str = Field(default="", max_length=256)


class SignatureOut(BaseModel):
    id: int
    name: str
    type: str
    status: str
    reason: str
    applied_at: datetime


class TemplateIn(_In):
    name: str = Field(max_length=64)
    type: Literal["verification", "notification", "promotion"]
    content: str = Field(max_length=1000)
    remark: str = Field(default="", max_length=256)


class TemplateOut(BaseModel):
    id: int
    name: str
    code: str
    type: str
    content: str
    status: str
    reason: str
    applied_at: datetime


class RecordOut(BaseModel):
    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    status: str
    err_code: str
    segments: int
    send_time: datetime
    report_time: datetime | None


class DayOut(BaseModel):
    day: date
    total: int
    delivered: int
    failed: int
    pending: int
    segments: int


# --- AccessKeys, callbacks, sending (the gateway's self-service, gateway.md §3) -------------


class KeyOut(BaseModel):
    access_key_id: str
    status: str
    created_at: datetime
    last_used_at: datetime | None


class KeyCreated(KeyOut):
    access_key_secret: str  # shown in this answer only, never again


class CallbacksIn(_In):
    report_url: str = Field("", max_length=512)
    reply_url: str = Field("", max_length=512)


class CallbacksOut(BaseModel):
    report_url: str
    reply_url: str


class MessageIn(_In):
    """SendSms's parameters as JSON; the same rules and Aliyun codes."""

    sign_name: str = Field(max_length=64)
    template_code: str = Field(max_length=64)
    phones: list[str] = Field(max_length=1000)
    params: dict[str, object] | None = None  # values must be strings (isv.INVALID_JSON_PARAM)
    out_id: str = Field("", max_length=255)


class MessageOut(BaseModel):
    biz_id: str
    count: int  # messages accepted (records charged)
