"""The platform REST API as an ASGI sub-application mounted at ``/api``.

``install(app)`` mounts it: routes under ``/api/v1``, the OpenAPI document at
``/api/openapi.json``, the docs page at ``/api/docs``. Being its own application, its
``{"code", "message"}`` errors and body rules do not touch the Aliyun-compatible API.
The services context is the parent's ``app.state.ctx`` (``create_app``'s ``Services``).
"""

from __future__ import annotations

from fastapi import FastAPI

from .customer import router as customer_router
from .problems import install_handlers
from .routes import router

API_PREFIX = "/api"


def build_api() -> FastAPI:
    api = FastAPI(title="smsconsole platform API", version="1",
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None,
                  description="Self-service for the platform's customers: sign up by SMS "
                              "code, log in, buy packages (Alipay), signatures, templates, "
                              "records. Errors are {code, message} with a 4xx status.")
    install_handlers(api)
    api.include_router(router)
    api.include_router(customer_router)
    return api


def install(app: FastAPI) -> FastAPI:
    """Mount the REST API into the gateway's app; returns the sub-application."""
    api = build_api()
    api.state.parent = app
    app.mount(API_PREFIX, api)
    return api


__all__ = ["API_PREFIX", "build_api", "install"]
