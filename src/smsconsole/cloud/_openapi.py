"""Plumbing shared by the Aliyun OpenAPI adapters (Dysmsapi and dybaseapi).

* ``make_config``: the tea-openapi ``Config`` for our settings (endpoint ``host:port``
  without scheme, ``protocol``, timeouts in ms).
* ``direct_for_loopback``: darabonba reads ``HTTP(S)_PROXY`` from the environment and
  ignores ``NO_PROXY`` and ``Config.no_proxy`` (it puts ``no_proxy`` into the proxies
  dict, which requests' ``Session.send`` never consults). For a loopback endpoint we
  register, in darabonba's own session cache and under the key it will look up, a
  ``requests`` session that always sends with an empty proxies map. No environment
  variable is touched; other hosts are unaffected.
* ``classify``: SDK exception → ``CloudError`` plus whether repeating the call is safe.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

import requests
from alibabacloud_tea_openapi import exceptions as tea_exc
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.core import DEFAULT_POOL_MAXSIZE, DaraCore
from darabonba.exceptions import RetryError
from darabonba.runtime import RuntimeOptions
from Tea.exceptions import TeaException, UnretryableException

from .cloud_error import CloudError
from .retry import RetryPolicy
from .types import AliyunSettings

SMS_HOST = "dysmsapi.aliyuncs.com"
DYBASE_HOST = "dybaseapi.aliyuncs.com"


def host_of(endpoint: str) -> str:
    """The host part of ``host:port`` / ``[v6]:port`` / a URL."""
    rest = endpoint.split("://", 1)[-1].split("/", 1)[0]
    if rest.startswith("["):
        return rest[1:].split("]", 1)[0]
    return rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest


def is_loopback(endpoint: str | None) -> bool:
    if not endpoint:
        return False
    host = host_of(endpoint)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _DirectSession(requests.Session):
    """A session that never uses a proxy, whatever darabonba passes."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False

    def send(self, request, **kwargs):  # type: ignore[override]
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


def direct_for_loopback(protocol: str, endpoint: str) -> None:
    """Make darabonba talk to ``endpoint`` (a loopback ``host:port``) without a proxy."""
    host = endpoint.split("://", 1)[-1].rstrip("/")
    # darabonba.core.DaraCore.do_action: f'{protocol}://{host}:{request.port}:pool={n}',
    # request.port is always 80 for tea-openapi clients, n is DEFAULT_POOL_MAXSIZE unless
    # Config.max_idle_conns is set (we never set it).
    key = f"{protocol.lower()}://{host}:80:pool={DEFAULT_POOL_MAXSIZE}"
    if isinstance(DaraCore._sessions.get(key), _DirectSession):
        return
    session = _DirectSession()
    session.mount(
        f"{protocol.lower()}://",
        DaraCore.get_adapter(protocol, None, pool_size=DEFAULT_POOL_MAXSIZE),
    )
    DaraCore._sessions[key] = session


def make_config(
    settings: AliyunSettings, default_host: str, connect_timeout: float, read_timeout: float
) -> Config:
    if not settings.access_key_id or not settings.access_key_secret:
        field = "access_key_id" if not settings.access_key_id else "access_key_secret"
        raise CloudError("sms", "NotConfigured", f"{field} is empty", field=field)
    endpoint = settings.sms_endpoint or default_host
    protocol = (settings.sms_protocol or "https").lower() if settings.sms_endpoint else "https"
    if settings.sms_endpoint and is_loopback(endpoint):
        direct_for_loopback(protocol, endpoint)
    return Config(
        access_key_id=settings.access_key_id,
        access_key_secret=settings.access_key_secret,
        endpoint=endpoint.split("://", 1)[-1].rstrip("/"),
        protocol=protocol,
        region_id="cn-hangzhou",
        connect_timeout=int(connect_timeout * 1000),
        read_timeout=int(read_timeout * 1000),
    )


def runtime_options(connect_timeout: float, read_timeout: float) -> RuntimeOptions:
    return RuntimeOptions(
        connect_timeout=int(connect_timeout * 1000), read_timeout=int(read_timeout * 1000)
    )


_QUERY = re.compile(r"\?[^\s'\")]*")
_CONNECT_FAILED = ("NewConnectionError", "Failed to establish a new connection",
                   "Connection refused", "NameResolutionError", "Name or service not known",
                   "ProxyError", "Unable to connect to proxy", "ConnectTimeoutError",
                   "No route to host", "Network is unreachable")


def classify(exc: BaseException, action: str, send: bool) -> tuple[CloudError, bool, float | None]:
    """(error, safe to retry, server's retry-after seconds) for an SDK exception.

    Retried: throttling, HTTP 5xx, failures to connect, and — except for sends — read
    timeouts and dropped connections. A send whose request may have reached Aliyun is
    never repeated: SendSms/SendBatchSms are not idempotent and a retry double-sends.
    """
    if isinstance(exc, tea_exc.ThrottlingException):
        err = CloudError("sms", exc.code or "Throttling", exc.message or "",
                         http_status=exc.status_code, request_id=exc.request_id or "",
                         retryable=True, action=action)
        return err, True, float(exc.retry_after) if exc.retry_after else None
    if isinstance(exc, tea_exc.AlibabaCloudException):
        status = exc.status_code
        code = exc.code if exc.code and exc.code != "None" else f"HTTP{status}"
        transient = (status is not None and status >= 500) or code.startswith("Throttling")
        rid = exc.request_id if exc.request_id and exc.request_id != "None" else ""
        err = CloudError("sms", code, _message(exc.message or ""), http_status=status,
                         request_id=rid, retryable=transient, action=action)
        return err, transient, None
    if isinstance(exc, UnretryableException):
        inner = exc.inner_exception
        if isinstance(inner, RetryError):
            text = _QUERY.sub("?…", inner.message or "")
            if any(s in text for s in _CONNECT_FAILED):
                code = "Timeout" if "ConnectTimeout" in text else "NetworkError"
                return CloudError("sms", code, text, retryable=True, action=action), True, None
            if "Read timed out" in text or "ReadTimeout" in text:
                if send:
                    return CloudError(
                        "sms", "Timeout",
                        "read timeout: the request may have been sent; not retried",
                        retryable=False, action=action,
                    ), False, None
                return CloudError("sms", "Timeout", text, retryable=True, action=action), True, None
            # Connection reset/aborted after the request went out: ambiguous for a send.
            return CloudError("sms", "NetworkError", text, retryable=not send,
                              action=action), not send, None
        return CloudError("sms", "InvalidResponse", _QUERY.sub("?…", str(inner))[:300],
                          action=action), False, None
    if isinstance(exc, TeaException):
        return CloudError("sms", str(getattr(exc, "code", "") or "InvalidResponse"),
                          _message(str(getattr(exc, "message", "") or "")),
                          action=action), False, None
    raise exc


def _message(text: str) -> str:
    # tea formats "code: 400, <Message> request id: <id>"; keep the Message part.
    m = re.match(r"code: \d+, (.*) request id: .*$", text, re.S)
    return m.group(1) if m else text


def call(
    action: str,
    invoke: Callable[[], Any],
    policy: RetryPolicy,
    *,
    send: bool = False,
) -> Any:
    """Run ``invoke`` with bounded retries; business errors (HTTP 200, Code ≠ OK) raise
    ``CloudError`` and are never retried."""
    attempt = 0
    while True:
        try:
            resp = invoke()
        except (TeaException, UnretryableException) as exc:
            err, retry, after = classify(exc, action, send)
            if retry and attempt < policy.retries:
                attempt += 1
                policy.wait(attempt, after)
                continue
            raise err from exc
        body = resp.body
        code = getattr(body, "code", None)
        if code is not None and code != "OK":
            raise CloudError("sms", code, getattr(body, "message", "") or "",
                             http_status=resp.status_code,
                             request_id=getattr(body, "request_id", "") or "", action=action)
        return resp
