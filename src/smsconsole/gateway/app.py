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

from smsconsole.gateway import alipay_notify, aliyun_api, rest
from smsconsole.services import Services

log = logging.getLogger("smsconsole.gateway.access")


class AccessLog:
    """One line per request; never the query string (numbers, signatures). An unhandled
    error answers Aliyun's ``InternalError`` (never a traceback) when nothing was sent yet.

    Plain ASGI, not ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs
    every request through a task group and memory streams (an unsigned request through
    the whole app, in process: 860 → 380 µs of CPU)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})  # what ``request.state`` writes to
        status = 0

        async def send_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception:  # noqa: BLE001 - never a traceback to the client
            state["request_id"] = str(uuid.uuid4()).upper()
            log.exception("unhandled error %s", state["request_id"])
            if not status:
                await JSONResponse(
                    {"RequestId": state["request_id"], "Code": "InternalError",
                     "Message": "The request processing has failed due to some unknown "
                                "error."}, status_code=500)(scope, receive, send_status)
            status = status or 500
        client = scope.get("client")
        log.info('%s "%s %s" %s %s %s %.1fms', client[0] if client else "-", scope["method"],
                 scope["path"], status, state.get("action", "-"), state.get("code", "-"),
                 (time.perf_counter() - started) * 1000)


class GatewayApp(FastAPI):
    """The gateway's app: the SMS API at ``/`` is answered straight away (with its access
    log line), everything else by FastAPI as usual."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._sms_api = AccessLog(aliyun_api.AliyunRoute())

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == "/":
            scope["app"] = self  # as Starlette sets it: the route finds its API by it
            await self._sms_api(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


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
    app = GatewayApp(title="smsconsole gateway", docs_url=None, redoc_url=None,
                     openapi_url=None, lifespan=lifespan)
    app.state.ctx = services
    rest.install(app)
    app.include_router(alipay_notify.router)
    app.add_middleware(AccessLog)  # the other paths' (``/`` has its own: GatewayApp)
    return app
