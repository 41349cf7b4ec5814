"""Aliyun API parameters, server side: the one ``ApiError`` and the parameter checks
shared by the sandbox (which plays Aliyun) and the customer gateway (which *is* Aliyun to
its customers), beside ``cloud.acs_signing``, so both answer a bad parameter alike:

- a parameter that is absent or empty → HTTP 400 ``Missing<Name>``;
- an integer parameter that is not plain ASCII digits (no sign, no spaces, no full-width
  digits) or out of its range → HTTP 400 ``InvalidParameter``.
"""

from __future__ import annotations


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
