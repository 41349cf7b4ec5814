"""The gateway's HTTP/1.1 protocol: uvicorn's on httptools, for targets of any length.

httptools parses in C; h11's pure-Python parsing cost about a tenth of the gateway's CPU
per request under the bench's load. But ``httptools.parse_url`` refuses a request target
over 64 KB, and an RPC-style SendBatchSms carries everything in its query, up to the SMS
API's ``MAX_REQUEST_BYTES``: such a target is split here instead, into the same scope.
"""

from __future__ import annotations

import urllib.parse

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

PARSE_URL_MAX = 0xFFFF  # httptools.parse_url's limit (16-bit offsets)


class HttpProtocol(HttpToolsProtocol):
    def on_headers_complete(self) -> None:
        url = self.url
        if len(url) <= PARSE_URL_MAX:
            super().on_headers_complete()
            return
        parts = urllib.parse.urlsplit(url.decode("latin-1"))
        # The base class parses a stand-in and builds the request; its real target is
        # set below, before the request's task first runs.
        self.url = b"/"
        super().on_headers_complete()
        self.url = url
        raw_path = parts.path.encode("latin-1") or b"/"
        path = raw_path.decode("ascii")  # else a parser error (400), as uvicorn's own
        if "%" in path:
            path = urllib.parse.unquote(path)
        self.scope["path"] = self.root_path + path
        self.scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        self.scope["query_string"] = parts.query.encode("latin-1")
