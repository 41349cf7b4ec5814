"""Shared helpers of the scale benchmarks (``make_big.py``, ``run.py``).

Lines are printed as ``name: value unit (target T) ok|FAIL`` (bench/ingest.py's style);
``Figures`` remembers the failures so the script can exit non-zero.
"""

from __future__ import annotations

import base64
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DIR = Path("/tmp/smsconsole-big")
DEFAULT_DB = DEFAULT_DIR / "smsconsole.db"
ADMIN_EMAIL = "bench@example.com"
ADMIN_PHONE = "13800138000"
ADMIN_PASSWORD = "Secret123"
FULL_MESSAGES = 10_000_000


def secret_key() -> bytes:
    """A fixed Fernet key: the generator and the console launched on the database must
    decrypt the same AK secret (passed as ``SMSCONSOLE_SECRET_KEY``)."""
    return base64.urlsafe_b64encode(b"smsconsole-bench-big-fixed-key!!")


# --- URLs ---------------------------------------------------------------------------------

def db_url(arg: str | None) -> str:
    """``--db`` as given (a URL or a file path); a bare path means SQLite."""
    if not arg:
        return f"sqlite:///{DEFAULT_DB}"
    if "://" in arg:
        return arg
    return f"sqlite:///{Path(arg).expanduser().resolve()}"


def is_pg(url: str) -> bool:
    return url.startswith(("postgresql", "postgres"))


def sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


def data_dir_for(url: str) -> Path:
    """Where the console's files for a benchmark database live (SQLite: beside it)."""
    if is_pg(url):
        return Path(f"/tmp/smsconsole-big-pg-{url.rsplit('/', 1)[-1]}")
    return sqlite_path(url).parent


def pg_dsn(url: str) -> str:
    """A libpq URL (psycopg.connect) from a SQLAlchemy one."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix):]
    return url


# --- figures ------------------------------------------------------------------------------

class Figures:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.lines: list[str] = []

    def line(self, name: str, value: float, unit: str, target: str, ok: bool | None,
             extra: str = "", fmt: str = ",.2f") -> None:
        """``ok`` None: a baseline or information line (always "ok")."""
        status = "ok" if ok or ok is None else "FAIL"
        if ok is False:
            self.failed.append(name)
        text = f"{name}: {value:{fmt}} {unit} (target {target}) {status}{extra}"
        self.lines.append(text)
        print(text, flush=True)

    def note(self, text: str) -> None:
        self.lines.append(f"# {text}")
        print(f"# {text}", flush=True)


def timed(fn: Callable[[], object], repeat: int = 7, warm: int = 1) -> tuple[float, list[float]]:
    """Median milliseconds of ``repeat`` calls after ``warm`` warm-up calls (and all)."""
    for _ in range(warm):
        fn()
    times = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(times), times


def human(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:g}"
