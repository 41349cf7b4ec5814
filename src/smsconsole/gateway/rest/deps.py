"""What a route needs: the services (from ``app.state.ctx``), the client's address and,
for the self-service routes, the logged-in user."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from smsconsole.services.errors import AuthError
from smsconsole.services.portal import Portal

bearer = HTTPBearer(auto_error=False, description="the token from POST /api/v1/sessions")


def context_of(app):
    """The services context: the ``Services`` that ``create_app`` put on the gateway's
    app, reached from the REST sub-application through ``state.parent``."""
    services = getattr(app.state, "ctx", None)
    if services is None and getattr(app.state, "parent", None) is not None:
        services = getattr(app.state.parent.state, "ctx", None)
    if services is None:
        raise RuntimeError("app.state.ctx is not set")
    return services.ctx


def portal(request: Request) -> Portal:
    return Portal.of(context_of(request.app))


def client_ip(request: Request) -> str:
    # Forwarded-for headers are trusted only when the server is told to (uvicorn's
    # --forwarded-allow-ips rewrites request.client), never read here.
    return request.client.host if request.client else ""


def current_user(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                 p: Portal = Depends(portal)) -> int:
    if creds is None or creds.scheme.lower() != "bearer":
        raise AuthError("error.session.invalid")
    request.state.token = creds.credentials
    return p.accounts.authenticate(creds.credentials)
