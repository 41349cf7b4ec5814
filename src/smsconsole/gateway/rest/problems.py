"""Errors of the REST API: always ``{"code", "message"}`` with a 4xx status, the message
in the request's ``Accept-Language`` (zh or en; zh when neither is asked for).

``code`` is the service's message key without its ``error.`` prefix (``code.wrong``,
``user.phone_taken``, ``login.locked``): stable, for scripts; the message is for people.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from smsconsole.i18n import t
from smsconsole.services.errors import (
    AuthError,
    CloudFailure,
    Conflict,
    Invalid,
    NotFound,
    Refused,
    ServiceError,
)

log = logging.getLogger("smsconsole.gateway.rest")

MAX_BODY = 64 * 1024
_RATE_KEYS = {"error.code.too_soon", "error.code.phone_limit", "error.code.ip_limit"}


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None  # the request field at fault, when there is one


# Declared on every route so the OpenAPI document says what errors look like.
ERROR_RESPONSES = {
    status: {"model": ErrorBody, "description": desc}
    for status, desc in ((400, "Bad input"), (401, "Not logged in"), (403, "Refused"),
                         (404, "Not found"), (405, "Method not allowed"), (409, "Conflict"),
                         (411, "Length required"), (413, "Body too large"),
                         (415, "Not JSON"), (423, "Locked"), (429, "Too many requests"),
                         (503, "Upstream unavailable"))
}


def request_lang(request: Request) -> str:
    """zh or en from Accept-Language, by q-value; zh by default."""
    best, best_q = "zh", -1.0
    for part in request.headers.get("accept-language", "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        lang = "zh" if tag.startswith("zh") else "en" if tag.startswith("en") else None
        if lang is None:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = lang, q
    return best


def error(request: Request, status: int, key: str, **params) -> JSONResponse:
    code = key.removeprefix("error.")
    return JSONResponse({"code": code, "message": t(key, request_lang(request), **params)},
                        status_code=status)


def status_of(exc: ServiceError) -> int:
    if isinstance(exc, AuthError):
        return 423 if exc.key == "error.login.locked" else 401
    if isinstance(exc, Refused):
        return 429 if exc.key in _RATE_KEYS else 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, CloudFailure):
        return 503
    if isinstance(exc, Invalid):
        return 400
    return 400


def service_error(request: Request, exc: ServiceError) -> JSONResponse:
    lang = request_lang(request)
    body = {"code": exc.key.removeprefix("error."), "message": exc.message(lang)}
    if exc.field:
        body["field"] = exc.field
    return JSONResponse(body, status_code=status_of(exc))


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError):
        return service_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors()[:3]:
            where = ".".join(str(x) for x in err.get("loc", ())[1:]) or "body"
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return error(request, 400, "error.api.bad_request", detail="; ".join(parts)[:300])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 405:
            return error(request, 405, "error.api.method")
        if exc.status_code == 404:
            return error(request, 404, "error.api.not_found")
        return error(request, exc.status_code if 400 <= exc.status_code < 500 else 400,
                     "error.api.bad_request", detail=str(exc.detail)[:200])

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):  # a bug: logged by type, no details out
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return error(request, 500, "error.api.internal")

    @app.middleware("http")
    async def _body_rules(request: Request, call_next):
        if request.method in ("POST", "PUT", "PATCH"):
            length = request.headers.get("content-length")
            if length is None and request.headers.get("transfer-encoding"):
                return error(request, 411, "error.api.too_large", max=MAX_BODY)
            try:
                size = int(length or 0)
            except ValueError:
                return error(request, 400, "error.api.bad_request", detail="Content-Length")
            if size > MAX_BODY:
                return error(request, 413, "error.api.too_large", max=MAX_BODY)
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if size and ctype != "application/json":
                return error(request, 415, "error.api.not_json")
        return await call_next(request)
