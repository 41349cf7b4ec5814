"""The REST API's gateway self-service (gateway.md §3): AccessKeys, callback URLs and
sending (``POST /api/v1/messages``, SendSms's rules and codes: the Aliyun-compatible
API's own validation and send, ``aliyun_api.AliyunApi.send_message``).

Keys and sends go through the gateway's ``AliyunApi`` of this process, so a key deleted
here stops signing there at once (its auth cache is the same). Sending errors are
``{code, message}`` with Aliyun's code (``isv.AMOUNT_NOT_ENOUGH``,
``isv.DAY_LIMIT_CONTROL``, ...) and a 4xx status; a held or unknown-outcome send is
accepted (201) like SendSms's OK.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse

from smsconsole.gateway.aliyun_api import AliyunApi, ApiError, Business, api_of, business_code
from smsconsole.i18n import t
from smsconsole.services.context import Actor
from smsconsole.services.errors import CloudFailure, NotFound, ServiceError

from . import schemas as m
from .deps import current_user
from .problems import ERROR_RESPONSES, request_lang, status_of

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, tags=["gateway"])

# Aliyun's business codes → the REST status (default 400: the request is at fault).
_STATUS = {
    "isv.ACCOUNT_ABNORMAL": 403, "isv.AMOUNT_NOT_ENOUGH": 403,
    "isv.BLACK_KEY_CONTROL_LIMIT": 403, "isv.BUSINESS_LIMIT_CONTROL": 429,
    "isv.DAY_LIMIT_CONTROL": 429, "isv.MONTH_LIMIT_CONTROL": 429, "isp.SYSTEM_ERROR": 503,
    "Throttling.User": 429,
}


def business_message(e: ApiError | Business, request: Request) -> str:
    """The message of an Aliyun-coded error in the request's language: Aliyun's own
    (Chinese for business codes, English for HTTP-level ones) when it is that language,
    else the code's message from the catalog (``i18n/gateway_codes.toml``), else the
    cloud codes' meaning; Aliyun's own as the last resort."""
    lang = request_lang(request)
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in e.message)
    if (lang == "zh") == chinese:
        return e.message
    for key in (f"gateway.code.{e.code}", f"cloud_code.sms.{e.code}.meaning"):
        text = t(key, lang)
        if text != key:
            return text
    return e.message


def _api(request: Request) -> AliyunApi:
    return api_of(request.app)


def _actor(user_id: int) -> Actor:
    return Actor(admin_id=None, name=f"customer #{user_id}", origin="api")


def _key(k) -> dict:
    return dict(access_key_id=k.access_key_id, status=k.status.value,
                created_at=k.created_at, last_used_at=k.last_used_at)


@router.post("/keys", status_code=201, response_model=m.KeyCreated)
def create_key(request: Request, user_id: int = Depends(current_user)):
    """A new AccessKey pair for the Aliyun-compatible API; the secret is in this answer
    only."""
    issued = _api(request).keys.create(_actor(user_id), user_id)
    return m.KeyCreated(**_key(issued.key), access_key_secret=issued.secret)


@router.get("/keys", response_model=list[m.KeyOut])
def keys(request: Request, user_id: int = Depends(current_user)):
    """The customer's AccessKeys (never a secret)."""
    return [m.KeyOut(**_key(k)) for k in _api(request).keys.list(user_id)]


@router.delete("/keys/{access_key_id}", status_code=204, response_class=Response)
def delete_key(request: Request, access_key_id: str = Path(max_length=64),
               user_id: int = Depends(current_user)):
    svc = _api(request).keys
    if all(k.access_key_id != access_key_id for k in svc.list(user_id)):
        raise NotFound("error.gateway.key_not_found", "access_key_id", id=access_key_id[:64])
    svc.delete(_actor(user_id), access_key_id)
    return Response(status_code=204)


@router.put("/callbacks", response_model=m.CallbacksOut)
def set_callbacks(body: m.CallbacksIn, request: Request, user_id: int = Depends(current_user)):
    """Where reports and replies are pushed (Aliyun's batch format); empty: not pushed."""
    svc = _api(request).keys
    svc.set_callbacks(_actor(user_id), user_id, body.report_url, body.reply_url)
    row = svc.customer(user_id)
    return m.CallbacksOut(report_url=row.report_url, reply_url=row.reply_url)


@router.post("/messages", status_code=201, response_model=m.MessageOut)
def send(body: m.MessageIn, request: Request, user_id: int = Depends(current_user)):
    """Send one content to up to 1,000 numbers, as SendSms does (within the customer's
    QPS limit, counted in the gateway's traffic like SendSms)."""
    api = _api(request)
    answer = _send(api, body, request, user_id)
    api.traffic.count(user_id, isinstance(answer, JSONResponse))
    return answer


def _send(api: AliyunApi, body: m.MessageIn, request: Request, user_id: int):
    try:
        api.throttle(f"rest:{user_id}", user_id)
        biz_id, count = api.send_message(user_id, body.sign_name, body.template_code,
                                         [p for p in body.phones if p.strip()], body.params,
                                         body.out_id)
    except (ApiError, Business) as e:
        status = _STATUS.get(e.code) or (e.status if isinstance(e, ApiError) else 400)
        return JSONResponse({"code": e.code, "message": business_message(e, request)},
                            status_code=status if 400 <= status < 500 or status == 503 else 400)
    except ServiceError as e:  # the message in the request's language
        code, _ = business_code(e)
        if code == "isp.SYSTEM_ERROR" and not isinstance(e, CloudFailure):
            code = e.key.removeprefix("error.")  # no Aliyun code for it: the REST one
        status = _STATUS.get(code, 0) if code.endswith("LIMIT_CONTROL") else status_of(e)
        return JSONResponse({"code": code, "message": e.message(request_lang(request))},
                            status_code=status)
    return m.MessageOut(biz_id=biz_id, count=count)
