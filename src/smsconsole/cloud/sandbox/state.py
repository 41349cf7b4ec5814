"""Everything the three service emulators share: store, clock, config, catalog, queues,
faults, credentials and keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from smsconsole.cloud.acs_signing import NonceCache

from .catalog import Catalog
from .config import SandboxConfig
from .faults import Faults
from .keys import AlipayKeys
from .mq import QueueEngine
from .store import Store
from .virtual_clock import Clock


@dataclass
class Credentials:
    access_key_id: str
    access_key_secret: str = field(repr=False)


class SandboxState:
    def __init__(
        self,
        store: Store,
        credentials: Credentials,
        uid: str,
        keys: AlipayKeys,
        alipay_app_id: str,
        seed: int | None = None,
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.uid = uid
        self.keys = keys
        self.alipay_app_id = alipay_app_id
        self.config = SandboxConfig.from_dict(store.get_meta("config"))
        if seed is not None and seed != self.config.seed:
            self.config.seed = seed
        self.save_config()
        self.clock = Clock(int(store.get_meta("clock_offset_ms", 0)))
        self.catalog = Catalog(store, self.clock, self.config)
        self.catalog.seed_builtins()
        self.queues = QueueEngine(store, message_id_prefix=f"{int(uid) % 0xFFFFFFFF:08X}")
        for q in (self.report_queue, self.reply_queue):
            if not self.queues.exists(q):
                self.queues.create(q)
        self.faults = Faults()
        self.nonces = NonceCache()
        self.urls: dict[str, str] = {}

    @property
    def report_queue(self) -> str:
        return f"Alicom-Queue-{self.uid}-SmsReport"

    @property
    def reply_queue(self) -> str:
        return f"Alicom-Queue-{self.uid}-SmsUp"

    def queue_for(self, message_type: str) -> str:
        return f"Alicom-Queue-{self.uid}-{message_type}"

    def save_config(self) -> None:
        self.store.set_meta("config", self.config.to_dict())

    def set_clock(self, when, hold: bool = False) -> None:
        offset = self.clock.set_now(when, hold)
        self.store.set_meta("clock_offset_ms", offset)

    @property
    def biz_prefix(self) -> str:
        return f"{(self.config.seed * 7919) % 900_000_000 + 100_000_000:09d}"
