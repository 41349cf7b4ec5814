"""The gateway's real app (``create_app``: the SMS API, the REST API and the Alipay
routes), served by a real uvicorn on a free 127.0.0.1 port in a thread."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from smsconsole.gateway.app import create_app
from smsconsole.gateway.server import HTTP_PROTOCOL


class Server:
    """``with Server(services) as srv: httpx.get(srv.url + "/api/v1/site")``."""

    def __init__(self, services) -> None:
        self.app = create_app(services)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, http=HTTP_PROTOCOL, log_level="warning",
                                lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
