"""A small local HTTP receiver for pushes, as a customer would write it for Aliyun."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self) -> None:
        self.batches: list[tuple[str, list]] = []
        self.mode = "ok"  # ok | fail | nocode
        self.delay = 0.0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                return

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if outer.delay:
                    time.sleep(outer.delay)
                with outer.lock:
                    outer.batches.append((self.path, json.loads(body)))
                    mode = outer.mode
                if mode == "fail":
                    status, answer = 500, b"oops"
                elif mode == "nocode":
                    status, answer = 200, b'{"msg":"ok"}'
                else:
                    status, answer = 200, json.dumps({"code": 0, "msg": "接收成功"}).encode()
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def items(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [x for p, batch in self.batches if path is None or p == path for x in batch]
