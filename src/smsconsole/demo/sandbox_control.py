"""The sandbox's ``/_sandbox/`` control endpoints over one kept-alive connection.

``cloud.sandbox.client`` opens a connection per call (fine for tests); the demo moves the
virtual clock thousands of times, so it keeps one open, and its errors are the demo's
(``CloudFailure`` with a message for the admin) rather than ``RuntimeError``.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from smsconsole.services.errors import CloudFailure


class SandboxControl:
    """The sandbox's ``/_sandbox/`` endpoints (see ``cloud.sandbox.client``) over one
    kept-alive connection: the demo moves the virtual clock thousands of times, and a
    new connection per call would cost four times as much."""

    def __init__(self, endpoints) -> None:
        url = urlsplit(endpoints.sms)
        self._new = lambda: http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self._conn = self._new()

    def call(self, path: str, payload: dict | None = None) -> dict:
        body = None if payload is None else json.dumps(payload)
        for attempt in (1, 2):
            try:
                self._conn.request("GET" if body is None else "POST", "/_sandbox" + path, body,
                                   {"Content-Type": "application/json"})
                resp = self._conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                self._conn.close()
                self._conn = self._new()  # the sandbox closed an idle connection: again
                if attempt == 2:
                    raise CloudFailure("demo.error.sandbox", exc,
                                       detail=f"{path}: {exc}"[:200]) from None
                continue
            if resp.status != 200:
                raise CloudFailure("demo.error.sandbox",
                                   detail=f"{path}: HTTP {resp.status} {data[:200]!r}")
            return json.loads(data or b"{}")
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._conn.close()
