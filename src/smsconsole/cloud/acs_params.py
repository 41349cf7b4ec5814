"""Aliyun API parameters, server side: the one ``ApiError`` and the parameter checks
shared by the sandbox (which plays Aliyun) and the customer gateway (which *is* Aliyun to
its customers), beside ``cloud.acs_signing``, so both answer a bad parameter alike:

- a parameter that is absent or empty → HTTP 400 ``Missing<Name>``;
- an integer parameter that is not plain ASCII digits (no sign, no spaces, no full-width
  digits) or out of its range → HTTP 400 ``InvalidParameter``;
- a business refusal (``Business``) → HTTP 200 with its Code and Message; the
  TemplateParam's shape (``template_param``) is checked alike by both.
"""

from __future__ import annotations

import json


class ApiError(Exception):
    """An HTTP-level error: status, Aliyun's code and message (and extra headers, e.g.
    ``x-acs-retry-after`` on throttling)."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def required(p: dict, *names: str) -> None:
    """Every one of ``names`` present and not empty."""
    for name in names:
        if p.get(name, "") == "":
            raise ApiError(400, f"Missing{name}", f"{name} is mandatory for this action.")


def integer(p: dict, name: str, default: int, lo: int, hi: int) -> int:
    """``p[name]`` as an int in ``lo..hi``; ``default`` when absent or empty."""
    raw = p.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ApiError(400, "InvalidParameter",
                       f"Specified parameter {name} is not valid: must be {lo}-{hi}.")
    return int(raw)


class Business(Exception):
    """A business error: HTTP 200 with this Code and Message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def template_param(raw, variables: list[str]) -> dict[str, str]:
    """One TemplateParam (JSON text or an already parsed object) as the template's
    variables: string values only, every variable given; extra keys are dropped, as
    Aliyun does. The value rules (length, URLs) are the caller's."""
    if raw in (None, ""):
        if variables:
            raise Business("isv.TEMPLATE_MISSING_PARAMETERS", "模版缺少变量")
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise Business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值") from None
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise Business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    if any(name not in raw for name in variables):
        raise Business("isv.TEMPLATE_MISSING_PARAMETERS", "模版缺少变量")
    return {name: raw[name] for name in variables}
