"""``create_app``: the FastAPI application behind ``smsconsole serve``.

Stateless between requests (the database holds everything that must be shared, the
nonces included), so several processes and machines can serve one PostgreSQL database.
The services are in ``app.state.ctx`` (the ``Services`` facade); each face of the
gateway is included in ``create_app``.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import Request

from smsconsole.gateway import alipay_notify, aliyun_api, rest
from smsconsole.services import Services

log = logging.getLogger("smsconsole.gateway.access")

def create_app(services: Services) -> FastAPI:
    """The three faces (gateway.md §1): the Aliyun-compatible SMS API at ``/``, the REST
    API mounted at ``/api`` (its own sub-application: its errors are ``{code, message}``,
    never Aliyun's), and Alipay's notifications at ``/alipay/notify``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        api = getattr(app.state, "aliyun_api", None)
        if api is not None:  # the last few seconds of traffic counts
            api.traffic.flush()

    # The OpenAPI document and docs page are the REST API's (at /api/openapi.json and
    # /api/docs); the Aliyun-compatible API is documented by Aliyun.
    app = FastAPI(title="smsconsole gateway", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)
    app.state.ctx = services
    rest.install(app)
    app.include_router(alipay_notify.router)
    app.include_router(aliyun_api.router)

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
