"""Alipay's notifications during the demo: the gateway served on a loopback port, so
that the sandbox's cashier notifies the payments the demo's buyers make (the real path).

This is the demo's side: the services never import the gateway.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import uvicorn

from smsconsole.cloud.sandbox import client as sbc
from smsconsole.gateway.app import create_app
from smsconsole.gateway.server import HTTP_PROTOCOL
from smsconsole.services.errors import CloudFailure
from smsconsole.store.models import Order, OrderStatus


@contextmanager
def notify_gateway(services):
    """Serve the gateway (``/alipay/notify``) on a loopback port for the demo's duration
    and point the orders' notify address at it, so that the sandbox's Alipay notifies
    the payments the demo's buyers make (the real path, issue 16)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(services), http=HTTP_PROTOCOL,
                                           log_level="warning", lifespan="off",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    cloud = services.ctx.cloud
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise CloudFailure("demo.error.gateway")
            time.sleep(0.02)
        cloud.notify_override = f"http://127.0.0.1:{port}/alipay/notify"
        yield
    finally:
        cloud.notify_override = ""
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def notified(eps, svc, order: Order) -> bool:
    """Have the sandbox POST the order's signed notification now (its notify loop may
    race it: the gateway answers a repeat alike) and say whether the order is paid. The
    demo's clocks are held meanwhile, so the payment's times are the same on every run."""
    if not svc.ctx.cloud.notify_override:
        return False
    sbc.send_notify(eps, order.order_no)
    return svc.orders.get(order.id).status == OrderStatus.PAID
