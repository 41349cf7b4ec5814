"""The statuses and kinds stored in the tables, as ``StrEnum``s.

Kept apart from ``models`` so screens, widgets and the CLI can use them without
importing SQLAlchemy; ``models`` imports them back, so old imports keep working.
"""

from __future__ import annotations

from enum import StrEnum


class SmsType(StrEnum):
    """通用 / 通知 / 验证码 / 推广. Templates are never ``general``; holdings may be."""

    GENERAL = "general"
    NOTIFICATION = "notification"
    VERIFICATION = "verification"
    PROMOTION = "promotion"


class UserStatus(StrEnum):
    NORMAL = "normal"
    FROZEN = "frozen"


class HoldingStatus(StrEnum):
    NORMAL = "normal"  # 正常
    INVALID = "invalid"  # 失效
    FROZEN = "frozen"  # 冻结


class HoldingSource(StrEnum):
    ORDER = "order"
    ADMIN = "admin"


class OrderStatus(StrEnum):
    UNPAID = "unpaid"  # 未支付
    PAID = "paid"  # 已支付
    VOID = "void"  # 已作废


class ReviewStatus(StrEnum):
    PENDING = "pending"  # 待审批
    IN_REVIEW = "in_review"  # 审批中
    APPROVED = "approved"  # 审批通过
    REJECTED = "rejected"  # 审批未通过


class SignType(StrEnum):
    VERIFICATION = "verification"  # 验证码
    GENERAL = "general"  # 通用


class Origin(StrEnum):
    """How a signature/template came to a user."""

    APPLIED = "applied"  # the user applied through the portal
    ASSIGNED = "assigned"  # the admin assigned an existing Aliyun one


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the call's outcome is unknown (timeout, crash): reconciled later


class TaskStatus(StrEnum):
    SUBMITTED = "submitted"  # Aliyun accepted the call; reports follow
    REJECTED = "rejected"  # Aliyun refused the call; every record failed
    SENDING = "sending"  # quota charged, the call is under way
    UNKNOWN = "unknown"  # some calls' outcome is unknown: the worker asks the cloud
    HELD = "held"  # quota charged, held by risk control until released or rejected


class QueueMode(StrEnum):
    ALICOM = "alicom"
    OWN = "own"


class KeyStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class PushStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    GIVEN_UP = "given_up"
