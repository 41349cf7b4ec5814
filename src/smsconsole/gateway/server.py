"""``smsconsole serve``: the gateway on uvicorn.

Binds the socket itself (so ``--port 0`` can print the port it got), prints
``gateway http://HOST:PORT`` once the server accepts connections, serves until SIGTERM or
SIGINT (uvicorn lets requests in flight finish) and writes one access-log line per
request on stdout. With ``--workers N`` the processes share the socket; each builds its
own services from the environment (``factory``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys

ACCESS_FORMAT = "%(asctime)s %(message)s"


# uvicorn's HTTP protocol for every server of the gateway's app (a string: workers import it).
HTTP_PROTOCOL = "smsconsole.gateway.http_protocol:HttpProtocol"


def _log_config() -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": ACCESS_FORMAT}},
        "handlers": {
            "out": {"class": "logging.StreamHandler", "formatter": "plain",
                    "stream": "ext://sys.stdout"},
            "err": {"class": "logging.StreamHandler", "formatter": "plain",
                    "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "smsconsole.gateway.access": {"handlers": ["out"], "level": "INFO",
                                          "propagate": False},
            "uvicorn.error": {"handlers": ["err"], "level": "WARNING", "propagate": False},
        },
    }


def quiet_logging() -> None:
    """The access log's records without what its format never shows: the caller's file
    and line, the thread and the process (the logging HOWTO's "Optimization")."""
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


def factory():
    """The app for one worker process: services from the environment (cli.md settings)."""
    from smsconsole.config import load_config
    from smsconsole.gateway.app import create_app
    from smsconsole.services import build

    quiet_logging()
    cfg = load_config(os.environ.get("SMSCONSOLE_DATA_DIR"), os.environ.get("SMSCONSOLE_DB_URL"),
                      os.environ.get("SMSCONSOLE_LANG"))
    return create_app(build(cfg.db_url, cfg.data_dir, migrate=False))


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: an answer's head and body are separate writes,
    # which Nagle's algorithm would hold for the client's delayed ACK (40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_cli(cfg, *, host: str = "127.0.0.1", port: int = 8080, workers: int = 1,
            forwarded_allow_ips: str | None = None) -> int:
    import uvicorn

    from smsconsole.gateway.app import create_app
    from smsconsole.gateway.limits import WORKERS_ENV
    from smsconsole.services import build

    if workers < 1 or workers > 64:
        raise ValueError("--workers must be 1 to 64")
    services = build(cfg.db_url, cfg.data_dir)  # applies migrations once, here
    view = services.settings.access()
    if view is not None and view.sandbox:
        # Sandbox mode like every command: the sandbox serving this data dir, or one
        # started here (before the workers fork, so they all find this one).
        services.cloud.sms()
    try:
        sock = bind(host, port)
    except OSError as exc:
        services.close()
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = base_url(host, sock.getsockname()[1])
    quiet_logging()
    options = dict(http=HTTP_PROTOCOL, log_config=_log_config(), access_log=False,
                   proxy_headers=True,
                   forwarded_allow_ips=forwarded_allow_ips, timeout_graceful_shutdown=30,
                   server_header=False)
    # Without Redis each worker allows 1/N of a key's QPS limit (gateway.limits).
    os.environ[WORKERS_ENV] = str(workers)
    if workers > 1:
        services.close()
        os.environ["SMSCONSOLE_DATA_DIR"] = str(cfg.data_dir)
        os.environ["SMSCONSOLE_DB_URL"] = cfg.db_url
        print(f"gateway {url}", flush=True)  # the shared socket already accepts
        config = uvicorn.Config("smsconsole.gateway.server:factory", factory=True,
                                workers=workers, **options)
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
        return 0
    app = create_app(services)
    config = uvicorn.Config(app, **options)
    server = uvicorn.Server(config)
    started = server.startup

    async def startup(sockets=None):
        await started(sockets=sockets)
        if server.started:
            print(f"gateway {url}", flush=True)

    server.startup = startup  # type: ignore[method-assign]
    # uvicorn re-raises the stop signal after its graceful shutdown, to the handler that
    # was there before: make that one a no-op so a SIGTERM stop exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    try:
        server.run(sockets=[sock])
    finally:
        services.close()
        logging.shutdown()
    sys.stdout.flush()
    return 0 if server.started else 1
