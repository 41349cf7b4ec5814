"""What every service needs: the store, the clock, the secret box and the cloud.

Built once (``services.build``) and shared; tests build it with a fixed clock and a
fresh database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from smsconsole.clock import Clock
from smsconsole.services.cloud_access import CloudProvider
from smsconsole.services.secrets import SecretBox
from smsconsole.store.engine import Store


@dataclass(frozen=True)
class Actor:
    """Who is doing an admin action, for the admin log."""

    admin_id: int | None
    name: str
    origin: str = "local"

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(admin_id=None, name=name, origin=ssh_origin())


def ssh_origin(env: dict[str, str] | None = None) -> str:
    """The SSH client address when the console runs over SSH, else ``local``."""
    env = os.environ if env is None else env
    conn = env.get("SSH_CONNECTION") or env.get("SSH_CLIENT") or ""
    return conn.split()[0] if conn.strip() else "local"


@dataclass
class Context:
    store: Store
    clock: Clock
    secrets: SecretBox
    data_dir: Path
    extra: dict = field(default_factory=dict)
    # The cloud adapters from the current settings (services.cloud_access), built with
    # the context: every service can count on it.
    cloud: CloudProvider = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.cloud = CloudProvider(self)
