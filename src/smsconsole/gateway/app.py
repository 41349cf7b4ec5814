"""``create_app``: the FastAPI application behind ``smsconsole serve``.

Stateless between requests (the database holds everything that must be shared, the
nonces included), so several processes and machines can serve one PostgreSQL database.
The services are in ``app.state.ctx`` (the ``Services`` facade); each face of the
gateway is an APIRouter listed in ``ROUTERS`` — adding one is one line there.
"""

from __future__ import annotations

import importlib
import logging
import time
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import Request

from smsconsole.services import Services

log = logging.getLogger("smsconsole.gateway.access")

# "module:attribute" of each router, in order: another face of the gateway (the REST API,
# Alipay's notifications) is one more line here.
ROUTERS: list[str] = [
    "smsconsole.gateway.aliyun_api:router",  # / — the Aliyun-compatible SMS API
    # "smsconsole.gateway.rest:router",        # /api/v1 (frontdoor)
    # "smsconsole.gateway.alipay_notify:router",  # /alipay/notify (frontdoor)
]


def _load(spec: str):
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def create_app(services: Services, *, routers: list[str] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        api = getattr(app.state, "aliyun_api", None)
        if api is not None:  # the last few seconds of traffic counts
            api.traffic.flush()

    app = FastAPI(title="smsconsole gateway", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan)
    app.state.ctx = services
    for spec in ROUTERS if routers is None else routers:
        app.include_router(_load(spec))

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        """One line per request; never the query string (numbers, signatures)."""
        started = time.perf_counter()
        request.state.request_id = str(uuid.uuid4()).upper()
        try:
            response = await call_next(request)
        except Exception:  # noqa: BLE001 - never a traceback to the client
            log.exception("unhandled error %s", request.state.request_id)
            response = JSONResponse(
                {"RequestId": request.state.request_id, "Code": "InternalError",
                 "Message": "The request processing has failed due to some unknown error."},
                status_code=500)
        client = request.client.host if request.client else "-"
        log.info('%s "%s %s" %s %s %s %.1fms', client, request.method, request.url.path,
                 response.status_code, getattr(request.state, "action", "-"),
                 getattr(request.state, "code", "-"), (time.perf_counter() - started) * 1000)
        return response

    return app
