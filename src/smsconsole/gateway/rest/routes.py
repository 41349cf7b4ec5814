"""The platform REST API, ``/api/v1`` (spec gateway.md §3)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from smsconsole.services import validation as v
from smsconsole.services.accounts import SignUp
from smsconsole.services.applications import SignatureView, TemplateView
from smsconsole.services.orders import OrderView
from smsconsole.services.portal import Portal
from smsconsole.store.models import Signature, Template

from . import schemas as m
from .deps import client_ip, current_user, portal
from .problems import ERROR_RESPONSES

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)
MAX_ID = 2**31 - 1


def _order(o: OrderView) -> dict:
    return dict(order_no=o.order_no, package_id=o.package_id, package_name=o.package_name,
                type=o.sms_type.value, count=o.count, amount_yuan=v.yuan(o.amount_fen),
                status=o.status.value, created_at=o.created_at, paid_at=o.paid_at)


def _sig(x: SignatureView) -> dict:
    return dict(id=x.id, name=x.name, type=x.sign_type.value, status=x.status.value,
                reason=x.reason, applied_at=x.applied_at)


def _tpl(x: TemplateView) -> dict:
    return dict(id=x.id, name=x.name, code=x.code, type=x.sms_type.value, content=x.content,
                status=x.status.value, reason=x.reason, applied_at=x.applied_at)


# --- public --------------------------------------------------------------------------


@router.get("/site", response_model=m.SiteOut, tags=["public"])
def site(p: Portal = Depends(portal)):
    """Site info for the portal's static pages."""
    info = p.settings.site()
    if info is None:
        return m.SiteOut(company="", logo_path="", address="", email="", phone="")
    return m.SiteOut(company=info.company, logo_path=info.logo_path, address=info.address,
                     email=info.email, phone=info.phone)


@router.get("/packages", response_model=list[m.PackageOut], tags=["public"])
def packages(p: Portal = Depends(portal)):
    """The packages on sale."""
    return [m.PackageOut(id=k.id, name=k.name, type=k.sms_type.value, count=k.message_count,
                         price_yuan=v.yuan(k.price_fen), valid_days=k.validity_days,
                         recommended=k.recommended) for k in p.packages.on_sale()]


@router.post("/codes", status_code=202, response_model=m.Accepted, tags=["accounts"])
def request_code(body: m.CodeIn, request: Request, p: Portal = Depends(portal)):
    """Send a verification code. The answer is the same whether or not the phone is
    registered."""
    p.codes.request(body.phone, body.scenario, client_ip(request))
    return m.Accepted()


# --- accounts and sessions ------------------------------------------------------------


@router.post("/accounts", status_code=201, response_model=m.AccountOut, tags=["accounts"])
def register(body: m.AccountIn, p: Portal = Depends(portal)):
    user = p.accounts.register(SignUp(**body.model_dump()))
    return m.AccountOut(account=user.account, id=user.id)


@router.post("/sessions", status_code=201, response_model=m.SessionOut, tags=["accounts"])
def login(body: m.SessionIn, request: Request, p: Portal = Depends(portal)):
    """Log in with the email or the phone; use the token as ``Authorization: Bearer``."""
    session = p.accounts.login(body.login, body.password, client_ip(request))
    return m.SessionOut(token=session.token, expires_at=session.expires_at)


@router.delete("/sessions/current", status_code=204, response_class=Response,
               tags=["accounts"])
def logout(request: Request, user_id: int = Depends(current_user), p: Portal = Depends(portal)):
    p.accounts.logout(request.state.token)
    return Response(status_code=204)


@router.post("/password-resets", status_code=204, response_class=Response, tags=["accounts"])
def reset_password(body: m.PasswordResetIn, p: Portal = Depends(portal)):
    p.accounts.reset_password(body.phone, body.code, body.password)
    return Response(status_code=204)


# --- self-service ------------------------------------------------------------------------


@router.get("/me", response_model=m.ProfileOut, tags=["self-service"])
def me(user_id: int = Depends(current_user), p: Portal = Depends(portal)):
    """The profile, with the remaining quota by type."""
    return p.profile(user_id)


@router.put("/me/phone", response_model=m.ProfileOut, tags=["self-service"])
def change_phone(body: m.PhoneIn, user_id: int = Depends(current_user),
                 p: Portal = Depends(portal)):
    p.accounts.change_phone(user_id, body.phone, body.code)
    return p.profile(user_id)


@router.post("/orders", status_code=201, response_model=m.OrderCreated, tags=["self-service"])
def create_order(body: m.OrderIn, user_id: int = Depends(current_user),
                 p: Portal = Depends(portal)):
    """Order a package on sale; pay it at ``pay_url`` (Alipay)."""
    order, url = p.create_order(user_id, body.package_id, _return_url(p))
    return m.OrderCreated(**_order(order), pay_url=url)


def _return_url(p: Portal) -> str:
    pay = p.settings.payment()
    return pay.notify_url.replace("/alipay/notify", "/alipay/return") if pay else ""


@router.get("/orders", response_model=list[m.OrderOut], tags=["self-service"])
def orders(limit: int = Query(50, ge=1, le=200), user_id: int = Depends(current_user),
           p: Portal = Depends(portal)):
    return [_order(o) for o in p.order_list(user_id, limit)]


@router.get("/orders/{order_no}", response_model=m.OrderOut, tags=["self-service"])
def order(order_no: str = Path(max_length=32), user_id: int = Depends(current_user), p: Portal = Depends(portal)):
    return _order(p.order(user_id, order_no))


@router.post("/signatures", status_code=201, response_model=m.SignatureOut,
             tags=["self-service"])
def apply_signature(body: m.SignatureIn, user_id: int = Depends(current_user),
                    p: Portal = Depends(portal)):
    return _sig(p.signatures.apply(user_id, body.name, body.type, remark=body.remark))


@router.get("/signatures", response_model=list[m.SignatureOut], tags=["self-service"])
def signatures(user_id: int = Depends(current_user), p: Portal = Depends(portal)):
    return [_sig(x) for x in p.applications(Signature, user_id)]


@router.delete("/signatures/{sig_id}", status_code=204, response_class=Response,
               tags=["self-service"])
def delete_signature(sig_id: int = Path(ge=1, le=MAX_ID), user_id: int = Depends(current_user),
                     p: Portal = Depends(portal)):
    p.delete_application(Signature, user_id, sig_id)
    return Response(status_code=204)


@router.post("/templates", status_code=201, response_model=m.TemplateOut,
             tags=["self-service"])
def apply_template(body: m.TemplateIn, user_id: int = Depends(current_user),
                   p: Portal = Depends(portal)):
    return _tpl(p.templates.apply(user_id, body.name, body.type, body.content,
                                  remark=body.remark))


@router.get("/templates", response_model=list[m.TemplateOut], tags=["self-service"])
def templates(user_id: int = Depends(current_user), p: Portal = Depends(portal)):
    return [_tpl(x) for x in p.applications(Template, user_id)]


@router.delete("/templates/{tpl_id}", status_code=204, response_class=Response,
               tags=["self-service"])
def delete_template(tpl_id: int = Path(ge=1, le=MAX_ID), user_id: int = Depends(current_user),
                    p: Portal = Depends(portal)):
    p.delete_application(Template, user_id, tpl_id)
    return Response(status_code=204)


@router.get("/records", response_model=list[m.RecordOut], tags=["self-service"])
def records(biz_id: str = Query("", max_length=64), phone: str = Query("", max_length=32),
            first: date | None = Query(None, alias="from"),
            last: date | None = Query(None, alias="to"),
            limit: int = Query(50, ge=1, le=200),
            user_id: int = Depends(current_user), p: Portal = Depends(portal)):
    """Send records, newest first, filtered by BizId, phone and platform days."""
    rows = p.records(user_id, biz_id.strip(), phone.strip(), first, last, limit)
    return [m.RecordOut(biz_id=r.biz_id or "", phone=r.phone, sign_name=r.sign_name,
                        template_code=r.template_code, status=r.status.value,
                        err_code=r.err_code, segments=r.segments, send_time=r.send_time,
                        report_time=r.report_time) for r in rows]


@router.get("/statistics/daily", response_model=list[m.DayOut], tags=["self-service"])
def daily(first: date | None = Query(None, alias="from"),
          last: date | None = Query(None, alias="to"),
          user_id: int = Depends(current_user), p: Portal = Depends(portal)):
    """Messages per platform day (the last 30 days unless ``from``/``to`` say)."""
    return [m.DayOut(day=r.day, total=r.total, delivered=r.delivered, failed=r.failed,
                     pending=r.pending, segments=r.segments) for r in p.daily(user_id, first, last)]
