"""A small HTTP/1.1 keep-alive server on the standard library for the three services.

Each service supplies an ``app(request) -> Response``; the handler reads the body by
Content-Length, answers with an exact Content-Length and keeps the connection open, as
the SDKs expect (aliyun-mns-sdk holds one persistent connection per client).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    target: str  # raw request-target as sent (MNS signs it byte for byte)
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    client: str = ""

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def form_pairs(self) -> list[tuple[str, str]]:
        ctype = self.headers.get("content-type", "")
        if self.body and ctype.startswith("application/x-www-form-urlencoded"):
            return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)
        return []


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json;charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


App = Callable[[Request], Response]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "smsconsole-sandbox"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - quiet by design
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        target = self.path
        parts = urlsplit(target)
        path = parts.path or "/"
        if target.startswith(("http://", "https://")):  # absolute-form (RFC 9112 §3.2.2)
            target = path + (("?" + parts.query) if parts.query else "")
        req = Request(
            method=self.command,
            target=target,
            path=path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            client=self.client_address[0],
        )
        try:
            resp = self.server.app(req)  # type: ignore[attr-defined]
        except Exception:  # a bug in the sandbox must not kill the connection thread
            import traceback

            traceback.print_exc()
            resp = Response(500, b'{"Code":"InternalError","Message":"sandbox bug"}')
        if resp.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)  # type: ignore[attr-defined]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: App, name: str) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.app = app
        self.name = name
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conns_lock:
            if alive:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up (or a stop cutting a long poll) are normal here."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        try:
            self.shutdown()
        finally:
            self.server_close()
        with self._conns_lock:  # end idle keep-alive connections of stopped servers
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
