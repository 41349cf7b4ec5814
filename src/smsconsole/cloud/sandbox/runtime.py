"""Find the sandbox serving a data dir, or start one in this process.

A running sandbox (``smsconsole sandbox`` or an in-process one started here) records its
endpoints in ``<data_dir>/sandbox/endpoints.json``. ``ensure_sandbox`` reuses it when it
answers, else starts a sandbox in daemon threads on the same state file and records it.
A file lock makes two processes racing here start at most one.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import threading
import urllib.request
from pathlib import Path

from .server import Sandbox, SandboxBusy, SandboxEndpoints

_RUNNING: dict[str, Sandbox] = {}
_GUARD = threading.Lock()
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def answers(endpoints: SandboxEndpoints, data_dir: str | os.PathLike | None = None,
            timeout: float = 1.0) -> bool:
    """True when the sandbox at ``endpoints`` is up (and serves ``data_dir`` if given)."""
    try:
        with _NO_PROXY.open(endpoints.sms + "/_sandbox/health", timeout=timeout) as resp:
            info = json.loads(resp.read())
    except (OSError, ValueError):
        return False
    if not info.get("ok"):
        return False
    if data_dir is not None:
        try:
            return Path(info.get("data_dir", "")).resolve() == Path(data_dir).resolve()
        except OSError:
            return False
    return True


def read_endpoints(data_dir: str | os.PathLike) -> SandboxEndpoints | None:
    path = Path(data_dir) / "sandbox" / "endpoints.json"
    try:
        return SandboxEndpoints.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def ensure_sandbox(data_dir: str | os.PathLike, **options) -> SandboxEndpoints:
    """Endpoints of a sandbox serving ``data_dir``, starting one in-process if needed.

    ``options`` go to :class:`Sandbox` when one has to be started (e.g. ``seed``).
    """
    key = str(Path(data_dir).resolve())
    with _GUARD:
        running = _RUNNING.get(key)
        if running is not None and running.endpoints is not None:
            return running.endpoints
        sandbox_dir = Path(data_dir) / "sandbox"
        sandbox_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(sandbox_dir / "ensure.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            found = read_endpoints(data_dir)
            if found is not None and answers(found, data_dir):
                return found
            sb = Sandbox(data_dir, **options)
            try:
                endpoints = sb.start()
            except SandboxBusy:
                # Someone holds the state but has not recorded endpoints yet (it is
                # starting right now, outside this lock): wait for its file.
                for _ in range(50):
                    found = read_endpoints(data_dir)
                    if found is not None and answers(found, data_dir):
                        return found
                    threading.Event().wait(0.1)
                raise
            sb.write_endpoints_file()
            _RUNNING[key] = sb
            return endpoints
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def stop_in_process_sandboxes() -> None:
    """Stop the sandboxes this process started (also run at interpreter exit)."""
    with _GUARD:
        for sb in list(_RUNNING.values()):
            sb.remove_endpoints_file()
            sb.stop()
        _RUNNING.clear()


atexit.register(stop_in_process_sandboxes)
