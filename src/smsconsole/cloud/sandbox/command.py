"""``smsconsole sandbox``: run the emulator in the foreground (the lead wires argparse).

Prints exactly the ``key value`` lines of cli.md, one per line, flushed, then serves
until SIGINT/SIGTERM and exits 0 (1 when the data dir is already served).
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import threading
from pathlib import Path

from .config import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from .server import Sandbox, SandboxBusy


def run(
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: str | os.PathLike = ".",
    keys_dir: str | os.PathLike | None = None,
    access_key_id: str = DEFAULT_ACCESS_KEY_ID,
    access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
    seed: int | None = None,
) -> int:
    stop = threading.Event()
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
        except ValueError:  # not the main thread: the caller stops us some other way
            pass
    sandbox_dir = Path(data_dir) / "sandbox"
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    sb = Sandbox(
        data_dir, host=host, port=port, keys_dir=keys_dir, access_key_id=access_key_id,
        access_key_secret=access_key_secret, seed=seed,
    )
    lock_fd = os.open(sandbox_dir / "ensure.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        try:
            endpoints = sb.start()
        except SandboxBusy as e:
            print(f"error: {e}", file=sys.stderr, flush=True)
            return 1
        except OSError as e:
            print(f"error: cannot start the sandbox: {e}", file=sys.stderr, flush=True)
            return 1
        sb.write_endpoints_file()
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)
    try:
        for line in endpoints.lines():
            print(line, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sb.remove_endpoints_file()
        sb.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


if __name__ == "__main__":  # python -m smsconsole.cloud.sandbox.command [data_dir]
    raise SystemExit(run(data_dir=sys.argv[1] if len(sys.argv) > 1 else "."))
