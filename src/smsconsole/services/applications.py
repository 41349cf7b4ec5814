"""签名管理 and 模板管理: users' signature and template applications.

Lifecycle: the user applies (pending 待审批) → the admin submits it to Aliyun (in review
审批中) → its status is synced from Aliyun (approved 审批通过 / rejected 审批未通过 with
Aliyun's reason). The admin may also reject a pending one, and may assign an existing,
approved Aliyun signature or template to a user directly. A user's limits hold for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsconsole.cloud.cloud_error import CloudError
from smsconsole.cloud.types import APPROVED, CANCELLED, REJECTED
from smsconsole.i18n import get_lang
from smsconsole.services import adminlog
from smsconsole.services import validation as v
from smsconsole.services.context import Actor, Context
from smsconsole.services.errors import CloudFailure, Conflict, Invalid, NotFound, Refused
from smsconsole.services.paging import Page, keyset_page
from smsconsole.services.users import get_user
from smsconsole.services.views import Plain
from smsconsole.store.models import (
    Origin,
    ReviewStatus,
    SendTask,
    Signature,
    SignType,
    SmsType,
    Template,
    User,
)

TEMPLATE_TYPES = (SmsType.VERIFICATION, SmsType.NOTIFICATION, SmsType.PROMOTION)


@dataclass(frozen=True)
class ApplicationFilter:
    status: ReviewStatus | None = None
    user_id: int | None = None
    search: str = ""  # name (or template code) substring, or the user's account


@dataclass(frozen=True)
class ApplicationRow:
    """A signature or template application as the lists show it."""

    id: int
    user_id: int
    account: str
    user_name: str
    name: str
    kind: str  # signature type or template type value
    status: ReviewStatus
    reason: str
    origin: Origin
    applied_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    code: str = ""  # templates only
    content: str = ""  # templates only


@dataclass(frozen=True)
class SyncResult:
    checked: int
    approved: int
    rejected: int
    unchanged: int
    errors: list[str]


def cloud_failure(exc: Exception) -> CloudFailure:
    code = getattr(exc, "code", "") or type(exc).__name__
    meaning = exc.meaning(get_lang()) if hasattr(exc, "meaning") else str(exc)
    return CloudFailure("error.cloud.call_failed", exc, code=code, detail=meaning)


@dataclass(frozen=True)
class SignatureView(Plain):
    """One signature application, as ``apply``, ``assign``, ``submit`` and ``reject``
    return it."""

    id: int
    user_id: int
    name: str
    sign_type: SignType
    source: int
    remark: str
    status: ReviewStatus
    reason: str
    origin: Origin
    applied_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None


@dataclass(frozen=True)
class TemplateView(Plain):
    """One template application, as ``apply``, ``assign``, ``submit`` and ``reject``
    return it."""

    id: int
    user_id: int
    name: str
    code: str
    sms_type: SmsType
    content: str
    remark: str
    status: ReviewStatus
    reason: str
    origin: Origin
    applied_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None


class _ApplicationService:
    model: type
    view: type[Plain]  # what the public methods return for one application
    kind: str  # "signature" | "template"
    limit_attr: str  # User attribute holding the limit

    def __init__(self, ctx: Context, cloud=None) -> None:
        self.ctx = ctx
        self.cloud = cloud

    # --- shared queries ---------------------------------------------------------------

    def _select(self):
        m = self.model
        cols = [m.id, m.user_id, User.account, User.name.label("user_name"), m.name,
                self._kind_col(), m.status, m.reason, m.origin, m.applied_at, m.submitted_at,
                m.reviewed_at]
        if m is Template:
            cols += [Template.code, Template.content]
        return select(*cols).join(User, User.id == m.user_id)

    def _kind_col(self):
        raise NotImplementedError

    def page(self, flt: ApplicationFilter = ApplicationFilter(), cursor=None, limit: int = 50,
             backward: bool = False) -> Page[ApplicationRow]:
        m = self.model
        stmt = self._select()
        if flt.status:
            stmt = stmt.where(m.status == flt.status)
        if flt.user_id:
            stmt = stmt.where(m.user_id == flt.user_id)
        term = v.search(flt.search)
        if term:
            cond = v.contains(m.name, term) | v.contains(User.account, term)
            if m is Template:
                cond = cond | (Template.code == term)
            stmt = stmt.where(cond)
        with self.ctx.store.read() as s:
            page = keyset_page(s, stmt, (m.applied_at, m.id), cursor, limit, backward=backward)
        return Page([ApplicationRow(*r) for r in page.rows], page.first, page.last,
                    page.has_next, page.has_prev)

    def row(self, app_id: int) -> ApplicationRow:
        with self.ctx.store.read() as s:
            r = s.execute(self._select().where(self.model.id == app_id)).first()
            if r is None:
                raise NotFound(f"error.{self.kind}.not_found", id=app_id)
            return ApplicationRow(*r)

    def for_user(self, user_id: int) -> list[ApplicationRow]:
        with self.ctx.store.read() as s:
            get_user(s, user_id)
            stmt = self._select().where(self.model.user_id == user_id).order_by(
                self.model.applied_at.desc(), self.model.id.desc())
            return [ApplicationRow(*r) for r in s.execute(stmt)]

    def counts_by_status(self) -> dict[ReviewStatus, int]:
        out = {st: 0 for st in ReviewStatus}
        with self.ctx.store.read() as s:
            for status, n in s.execute(select(self.model.status, func.count())
                                       .group_by(self.model.status)):
                out[ReviewStatus(status)] = n
        return out

    def _get(self, s: Session, app_id: int, lock: bool = True):
        stmt = select(self.model).where(self.model.id == app_id)
        if lock:
            stmt = stmt.with_for_update()
        app = s.scalar(stmt)
        if app is None:
            raise NotFound(f"error.{self.kind}.not_found", id=app_id)
        return app

    def _check_limit(self, s: Session, user: User) -> None:
        limit = getattr(user, self.limit_attr)
        used = s.scalar(select(func.count()).select_from(self.model)
                        .where(self.model.user_id == user.id)) or 0
        if used >= limit:
            raise Refused(f"error.{self.kind}.limit", "user", account=user.account, limit=limit)

    def _label(self, app) -> str:
        return app.name

    # --- admin actions -----------------------------------------------------------------

    def reject(self, actor: Actor, app_id: int, reason: str) -> SignatureView | TemplateView:
        """Reject a pending application with a reason (never sent to Aliyun)."""
        reason = v.text(reason, "reason", max_len=512)
        with self.ctx.store.session() as s:
            app = self._get(s, app_id)
            if app.status != ReviewStatus.PENDING:
                raise Conflict(f"error.{self.kind}.not_pending", name=app.name,
                               status=app.status)
            app.status, app.reason, app.reviewed_at = (ReviewStatus.REJECTED, reason,
                                                       self.ctx.clock.now())
            adminlog.record(s, self.ctx, actor, f"{self.kind}.reject", target_type=self.kind,
                            target_id=app.id, target=self._label(app),
                            detail={"status": ["pending", "rejected"], "reason": reason})
            return self.view.of(app)

    def _in_use(self, s: Session, app) -> int:
        """How many sends refer to it (a used one is not deleted). Signatures: none, the
        sends keep the signature's name as it was sent."""
        return 0

    def delete(self, actor: Actor, app_id: int) -> None:
        with self.ctx.store.session() as s:
            app = self._get(s, app_id)
            used = self._in_use(s, app)
            if used:
                raise Refused(f"error.{self.kind}.in_use", name=app.name,
                              code=getattr(app, "code", ""), count=used)
            user = s.get(User, app.user_id)
            detail = {"user": user.account, "name": app.name, "status": app.status.value}
            s.delete(app)
            adminlog.record(s, self.ctx, actor, f"{self.kind}.delete", target_type=self.kind,
                            target_id=app_id, target=self._label(app), detail=detail)

    def submit(self, actor: Actor, app_id: int) -> SignatureView | TemplateView:
        """Send a pending application to Aliyun for review."""
        with self.ctx.store.read() as s:
            app = self._get(s, app_id, lock=False)
            if app.status != ReviewStatus.PENDING:
                raise Conflict(f"error.{self.kind}.not_pending", name=app.name,
                               status=app.status)
        try:
            cloud_ref = self._cloud_create(app)
        except CloudError as exc:
            raise cloud_failure(exc) from None
        with self.ctx.store.session() as s:
            app = self._get(s, app_id)
            if app.status != ReviewStatus.PENDING:  # someone else got there first
                raise Conflict(f"error.{self.kind}.not_pending", name=app.name,
                               status=app.status)
            app.status, app.submitted_at = ReviewStatus.IN_REVIEW, self.ctx.clock.now()
            detail = {"status": ["pending", "in_review"]}
            if cloud_ref and hasattr(app, "code"):
                app.code = cloud_ref
                detail["code"] = cloud_ref
            adminlog.record(s, self.ctx, actor, f"{self.kind}.submit", target_type=self.kind,
                            target_id=app.id, target=self._label(app), detail=detail)
            return self.view.of(app)

    def sync(self, actor: Actor, app_id: int) -> ReviewStatus:
        """Ask Aliyun for the review result of one in-review application."""
        with self.ctx.store.read() as s:
            app = self._get(s, app_id, lock=False)
            if app.status != ReviewStatus.IN_REVIEW:
                raise Conflict(f"error.{self.kind}.not_in_review", name=app.name,
                               status=app.status)
        try:
            info = self._cloud_get(app)
        except CloudError as exc:
            raise cloud_failure(exc) from None
        return self._apply_review(actor, app_id, info)

    def _apply_review(self, actor: Actor, app_id: int, info) -> ReviewStatus:
        target = {APPROVED: ReviewStatus.APPROVED, REJECTED: ReviewStatus.REJECTED,
                  CANCELLED: ReviewStatus.REJECTED}.get(info.status)
        with self.ctx.store.session() as s:
            app = self._get(s, app_id)
            if target is None or app.status != ReviewStatus.IN_REVIEW:
                return app.status
            app.status, app.reviewed_at = target, self.ctx.clock.now()
            app.reason = info.reason or ("cancelled" if info.status == CANCELLED else "")
            adminlog.record(s, self.ctx, actor, f"{self.kind}.sync", target_type=self.kind,
                            target_id=app.id, target=self._label(app),
                            detail={"status": ["in_review", target.value], "reason": app.reason})
            return target

    def sync_all(self, actor: Actor, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None,
                 only: list[int] | None = None) -> SyncResult:
        """Sync every in-review application (or those of ``only`` still in review);
        ``progress(done, total)`` after each one."""
        stmt = select(self.model.id).where(self.model.status == ReviewStatus.IN_REVIEW)
        if only is not None:
            stmt = stmt.where(self.model.id.in_(only))
        with self.ctx.store.read() as s:
            ids = list(s.scalars(stmt.order_by(self.model.id)))
        approved = rejected = unchanged = 0
        errors: list[str] = []
        for done, app_id in enumerate(ids, 1):
            if cancelled and cancelled():
                break
            try:
                status = self.sync(actor, app_id)
            except (CloudFailure, Conflict, NotFound) as exc:
                errors.append(f"#{app_id}: {exc.message()}")
                status = None
            except CloudError as exc:  # pragma: no cover - adapters wrap these
                errors.append(f"#{app_id}: {exc}")
                status = None
            if status == ReviewStatus.APPROVED:
                approved += 1
            elif status == ReviewStatus.REJECTED:
                rejected += 1
            elif status is not None:
                unchanged += 1
            if progress:
                progress(done, len(ids))
        return SyncResult(len(ids), approved, rejected, unchanged, errors)

    def _cloud_create(self, app) -> str:
        raise NotImplementedError

    def _cloud_get(self, app):
        raise NotImplementedError


class SignatureService(_ApplicationService):
    model = Signature
    view = SignatureView
    kind = "signature"
    limit_attr = "max_signatures"

    def _kind_col(self):
        return Signature.sign_type

    def validate(self, name: str, sign_type) -> tuple[str, SignType]:
        name = v.text(name, "name", min_len=2, max_len=12)
        if any(ch in name for ch in "【】[] "):
            raise Invalid("error.signature.name_chars", "name")
        return name, v.one_of(sign_type, SignType, "sign_type")

    def apply(self, user_id: int, name: str, sign_type, source: int = 0,
              remark: str = "") -> SignatureView:
        """Portal side: the user applies for a signature."""
        name, sign_type = self.validate(name, sign_type)
        if not isinstance(source, int) or not 0 <= source <= 5:
            raise Invalid("error.choice.invalid", "source", value=source)
        remark = v.text(remark, "remark", max_len=256, required=False)
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            self._check_limit(s, user)
            if s.scalar(select(Signature.id).where(Signature.user_id == user.id,
                                                   Signature.name == name)):
                raise Conflict("error.signature.duplicate", "name", name=name)
            sig = Signature(user_id=user.id, name=name, sign_type=sign_type, source=source,
                            remark=remark, applied_at=self.ctx.clock.now())
            s.add(sig)
            s.flush()
            return SignatureView.of(sig)

    def _cloud_create(self, app: Signature) -> str:
        self.cloud.sms().create_sign(app.name, app.sign_type.value, app.source, app.remark)
        return ""

    def _cloud_get(self, app: Signature):
        return self.cloud.sms().get_sign(app.name, with_type=False)  # the review is enough

    def lookup(self, name: str):
        """What Aliyun says of a signature (SignInfo), or NotFound."""
        name = v.text(name, "name", min_len=2, max_len=12)
        try:
            return self.cloud.sms().get_sign(name)
        except CloudError as exc:
            if _is_not_found(exc):
                raise NotFound("error.signature.not_found_cloud", "name", name=name) from None
            raise cloud_failure(exc) from None

    def assign(self, actor: Actor, user_id: int, name: str, sign_type) -> SignatureView:
        """分配签名: an Aliyun-approved signature of the same type, usable at once."""
        name, sign_type = self.validate(name, sign_type)
        info = self.lookup(name)
        if info.status != APPROVED:
            raise Refused("error.signature.not_approved_cloud", "name", name=name,
                          status=info.status)
        if info.sign_type and info.sign_type != sign_type.value:
            raise Refused("error.signature.type_mismatch", "sign_type", name=name,
                          cloud=info.sign_type, chosen=sign_type.value)
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            if s.scalar(select(Signature.id).where(Signature.user_id == user.id,
                                                   Signature.name == name)):
                raise Conflict("error.signature.duplicate", "name", name=name)
            self._check_limit(s, user)
            sig = Signature(user_id=user.id, name=name, sign_type=sign_type,
                            status=ReviewStatus.APPROVED, origin=Origin.ASSIGNED,
                            applied_at=now, submitted_at=now, reviewed_at=now)
            s.add(sig)
            s.flush()
            adminlog.record(s, self.ctx, actor, "signature.assign", target_type="user",
                            target_id=user.id, target=user.account,
                            detail={"signature": name, "type": sign_type.value})
            return SignatureView.of(sig)


class TemplateService(_ApplicationService):
    model = Template
    view = TemplateView
    kind = "template"

    def _in_use(self, s: Session, app) -> int:
        """Its send tasks keep pointing at it: deleting it would orphan their records."""
        return s.scalar(select(func.count()).select_from(SendTask)
                        .where(SendTask.template_id == app.id)) or 0
    limit_attr = "max_templates"

    def _kind_col(self):
        return Template.sms_type

    def _label(self, app: Template) -> str:
        return f"{app.name} {app.code}".strip()

    def apply(self, user_id: int, name: str, sms_type, content: str,
              remark: str = "") -> TemplateView:
        """Portal side: the user applies for a template."""
        name = v.text(name, "name", max_len=30)
        sms_type = v.one_of(sms_type, SmsType, "sms_type")
        if sms_type not in TEMPLATE_TYPES:
            raise Invalid("error.template.type", "sms_type", value=sms_type.value)
        content = v.text(content, "content", max_len=500, multiline=True)
        remark = v.text(remark, "remark", max_len=256, required=False)
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            self._check_limit(s, user)
            tpl = Template(user_id=user.id, name=name, sms_type=sms_type,
                           content=content, remark=remark, applied_at=self.ctx.clock.now())
            s.add(tpl)
            s.flush()
            return TemplateView.of(tpl)

    def _cloud_create(self, app: Template) -> str:
        return self.cloud.sms().create_template(app.name, app.sms_type.value, app.content,
                                                app.remark or app.name)

    def _cloud_get(self, app: Template):
        return self.cloud.sms().get_template(app.code)

    def lookup(self, code: str):
        """What Aliyun says of a template CODE (TemplateInfo), or NotFound."""
        code = v.text(code, "code", max_len=64)
        try:
            return self.cloud.sms().get_template(code)
        except CloudError as exc:
            if _is_not_found(exc):
                raise NotFound("error.template.not_found_cloud", "code", code=code) from None
            raise cloud_failure(exc) from None

    def assign(self, actor: Actor, user_id: int, code: str) -> TemplateView:
        """分配模板: an Aliyun-approved template by CODE, usable at once."""
        info = self.lookup(code)
        if info.status != APPROVED:
            raise Refused("error.template.not_approved_cloud", "code", code=info.code,
                          status=info.status)
        if info.template_type not in {t.value for t in TEMPLATE_TYPES}:
            raise Refused("error.template.type", "code", value=info.template_type)
        now = self.ctx.clock.now()
        with self.ctx.store.session() as s:
            user = get_user(s, user_id, lock=True)
            if s.scalar(select(Template.id).where(Template.user_id == user.id,
                                                  Template.code == info.code)):
                raise Conflict("error.template.duplicate", "code", code=info.code)
            self._check_limit(s, user)
            tpl = Template(user_id=user.id, name=info.name[:30], code=info.code,
                           sms_type=SmsType(info.template_type), content=info.content[:500],
                           status=ReviewStatus.APPROVED, origin=Origin.ASSIGNED,
                           applied_at=now, submitted_at=now, reviewed_at=now)
            s.add(tpl)
            s.flush()
            adminlog.record(s, self.ctx, actor, "template.assign", target_type="user",
                            target_id=user.id, target=user.account,
                            detail={"template": info.code, "name": info.name,
                                    "type": info.template_type})
            return TemplateView.of(tpl)


def _is_not_found(exc) -> bool:
    code = (getattr(exc, "code", "") or "").upper()
    return any(k in code for k in ("NOT_FOUND", "NOTFOUND", "NOT_EXIST", "TEMPLATE_ILLEGAL",
                                   "SIGNATURE_ILLEGAL", "SMS_SIGN_ILLEGAL"))
