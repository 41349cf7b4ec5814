"""``Sandbox``: the three emulated services on loopback, in threads of this process.

    with Sandbox(data_dir) as sb:
        settings = sb.endpoints.aliyun_settings()   # works with SmsClient / ReportQueue
        alipay = sb.endpoints.alipay_settings()     # works with AlipayClient

State lives in ``<data_dir>/sandbox/state.db``; only one sandbox may serve a data dir
at a time (an exclusive lock on ``<data_dir>/sandbox/state.lock``). Ports: 0 picks
three free ports; a fixed ``port`` P serves SMS on P, MNS on P+1 and Alipay on P+2.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..types import AlipaySettings, AliyunSettings, Scenario
from . import keys as keymod
from .alipay_api import AlipayApi
from .catalog import BUILTIN_SCENARIOS
from .config import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_ALIPAY_APP_ID,
    DEFAULT_UID,
)
from .control_api import ControlApi
from .httpbase import Request, Response, Server
from .mns_api import MnsApi
from .sms_api import SmsApi
from .state import Credentials, SandboxState
from .store import Store


class SandboxBusy(RuntimeError):
    """Another sandbox already serves this data dir."""


@dataclass(frozen=True)
class SandboxEndpoints:
    sms: str  # http://127.0.0.1:PORT (Dysmsapi + dybaseapi)
    mns: str  # http://127.0.0.1:PORT
    alipay: str  # http://127.0.0.1:PORT/gateway.do
    access_key_id: str
    access_key_secret: str = field(repr=False)
    uid: str = DEFAULT_UID
    report_queue: str = ""
    reply_queue: str = ""
    alipay_app_id: str = DEFAULT_ALIPAY_APP_ID
    alipay_app_private_key_file: str = ""
    alipay_public_key_file: str = ""
    alipay_app_public_key_file: str = ""
    data_dir: str = ""

    @property
    def sms_host(self) -> str:
        """``host:port`` without scheme, as tea-openapi's ``endpoint`` wants it."""
        return self.sms.split("://", 1)[-1].rstrip("/")

    def aliyun_settings(self, queue_mode: str = "alicom") -> AliyunSettings:
        return AliyunSettings(
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            sms_endpoint=self.sms_host,
            sms_protocol="http",
            queue_mode=queue_mode,
            mns_endpoint=self.mns,
            report_queue=self.report_queue,
            reply_queue=self.reply_queue,
            scenarios=tuple(
                Scenario(key=k, sign_name=s, template_code=t, param_name=p)
                for k, (s, t, p) in BUILTIN_SCENARIOS.items()
            ),
        )

    def alipay_settings(self, notify_url: str = "") -> AlipaySettings:
        return AlipaySettings(
            app_id=self.alipay_app_id,
            app_private_key=Path(self.alipay_app_private_key_file).read_text(),
            alipay_public_key=Path(self.alipay_public_key_file).read_text(),
            gateway=self.alipay,
            notify_url=notify_url,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SandboxEndpoints:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})

    def lines(self) -> list[str]:
        """The ``key value`` lines ``smsconsole sandbox`` prints (cli.md)."""
        return [
            f"sms {self.sms}",
            f"mns {self.mns}",
            f"alipay {self.alipay}",
            f"access-key-id {self.access_key_id}",
            f"access-key-secret {self.access_key_secret}",
            f"uid {self.uid}",
            f"report-queue {self.report_queue}",
            f"reply-queue {self.reply_queue}",
            f"alipay-app-id {self.alipay_app_id}",
            f"alipay-app-private-key {self.alipay_app_private_key_file}",
            f"alipay-public-key {self.alipay_public_key_file}",
        ]


class Sandbox:
    def __init__(
        self,
        data_dir: str | os.PathLike | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keys_dir: str | os.PathLike | None = None,
        access_key_id: str = DEFAULT_ACCESS_KEY_ID,
        access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
        uid: str = DEFAULT_UID,
        alipay_app_id: str = DEFAULT_ALIPAY_APP_ID,
        seed: int | None = None,
        config: dict | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sandbox binds loopback only")
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="smsconsole-sandbox-")
            data_dir = self._tmp
        self.data_dir = Path(data_dir)
        self.dir = self.data_dir / "sandbox"
        self.keys_dir = Path(keys_dir) if keys_dir else self.dir / "keys"
        self._host, self._port = host, port
        self._creds = Credentials(access_key_id, access_key_secret)
        self._uid, self._app_id, self._seed = uid, alipay_app_id, seed
        self._config = config or {}
        self._servers: list[Server] = []
        self._stop = threading.Event()
        self._lock_fd: int | None = None
        self.state: SandboxState | None = None
        self.endpoints: SandboxEndpoints | None = None
        self._notifier: threading.Thread | None = None
        self._alipay: AlipayApi | None = None

    def __repr__(self) -> str:
        return f"Sandbox(data_dir={str(self.data_dir)!r}, running={self.endpoints is not None})"

    # --- lifecycle ------------------------------------------------------------------

    def _take_lock(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / "state.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SandboxBusy(f"another sandbox is serving {self.data_dir}") from None
        self._lock_fd = fd

    def start(self) -> SandboxEndpoints:
        if self.endpoints is not None:
            return self.endpoints
        self._take_lock()
        try:
            keys = keymod.load_or_create(self.keys_dir)
            store = Store(self.dir / "state.db")
            st = SandboxState(store, self._creds, self._uid, keys, self._app_id, self._seed)
            if self._config:
                st.config.update(self._config)
                st.save_config()
            self.state = st
            self._alipay = AlipayApi(st)
            sms, mns = SmsApi(st), MnsApi(st)
            control = ControlApi(st, self._alipay, str(self.data_dir))

            def sms_app(req: Request) -> Response:
                if req.path.startswith("/_sandbox/"):
                    return control(req)
                return sms(req)

            apps = (("sms", sms_app), ("mns", mns), ("alipay", self._alipay))
            for i, (name, app) in enumerate(apps):
                port = self._port + i if self._port else 0
                self._servers.append(Server(self._host, port, app, name))
            sms_srv, mns_srv, ali_srv = self._servers
            st.urls = {"sms": sms_srv.url, "mns": mns_srv.url, "alipay": ali_srv.url}
            for srv in self._servers:
                srv.start()
            self._stop.clear()
            self._notifier = threading.Thread(
                target=self._alipay.notify_loop, args=(self._stop,),
                name="sandbox-notify", daemon=True,
            )
            self._notifier.start()
        except BaseException:
            self._teardown()
            raise
        self.endpoints = SandboxEndpoints(
            sms=sms_srv.url,
            mns=mns_srv.url,
            alipay=ali_srv.url + "/gateway.do",
            access_key_id=self._creds.access_key_id,
            access_key_secret=self._creds.access_key_secret,
            uid=self._uid,
            report_queue=st.report_queue,
            reply_queue=st.reply_queue,
            alipay_app_id=self._app_id,
            alipay_app_private_key_file=str(keys.path(keymod.APP_PRIVATE)),
            alipay_public_key_file=str(keys.path(keymod.ALIPAY_PUBLIC)),
            alipay_app_public_key_file=str(keys.path(keymod.APP_PUBLIC)),
            data_dir=str(self.data_dir),
        )
        return self.endpoints

    def _teardown(self) -> None:
        self._stop.set()
        if self.state is not None:
            self.state.queues.stop()
        # Stop the three servers in parallel: each shutdown waits for a poll interval.
        stoppers = [threading.Thread(target=srv.stop, daemon=True) for srv in self._servers]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join(timeout=10)
        self._servers.clear()
        if self._notifier is not None:
            self._notifier.join(timeout=5)
            self._notifier = None
        if self.state is not None:
            self.state.store.close()
            self.state = None
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def stop(self) -> None:
        self._teardown()
        self.endpoints = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- endpoints file -------------------------------------------------------------

    def write_endpoints_file(self) -> Path:
        """Record where this sandbox answers, for ``ensure_sandbox`` in other processes."""
        assert self.endpoints is not None
        path = self.dir / "endpoints.json"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({**self.endpoints.to_dict(), "pid": os.getpid()}, fh)
        os.replace(tmp, path)
        return path

    def remove_endpoints_file(self) -> None:
        path = self.dir / "endpoints.json"
        try:
            data = json.loads(path.read_text())
            if data.get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass
