"""Shared helpers of the scale benchmarks (``make_big.py``, ``run.py``).

Lines are printed as ``name: value unit (target T) ok|FAIL`` (bench/ingest.py's style);
``Figures`` remembers the failures so the script can exit non-zero.
"""

from __future__ import annotations

import base64
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "src", ROOT):  # ROOT: the pseudo-terminal driver in tests/e2e
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

DEFAULT_DIR = Path("/tmp/smsconsole-big")
DEFAULT_DB = DEFAULT_DIR / "smsconsole.db"
ADMIN_EMAIL = "bench@example.com"
ADMIN_PHONE = "13800138000"
ADMIN_PASSWORD = "Bench2026secret"
FULL_MESSAGES = 10_000_000


def compile_package() -> None:
    """Our package's bytecode, as a regular ``pip install`` writes it at install time.
    The editable install writes it at the first import, but not where
    ``PYTHONDONTWRITEBYTECODE`` is set (as on this machine): every launch then compiled
    the console's modules from source, while the floor's Textual came compiled by pip
    (the login's ratio ×1.24 → ×1.14, two runs of 11 pairs with one core busy)."""
    import compileall

    compileall.compile_dir(ROOT / "src" / "smsconsole", quiet=1)


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
    """Median milliseconds of ``repeat`` calls after ``warm`` warm-up calls (and all).
    Garbage collection stays on: the app runs with it, so its pauses are part of the cost."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def human(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:g}"


# --- the console in a pseudo-terminal ---------------------------------------------------------

# The floor any Textual program pays: a bare app drawing one Input (and a label to wait
# for: the Input's cursor splits a placeholder in the output), timed by the same
# pseudo-terminal driver as the console (tests/e2e/terminal.py).
FLOOR_APP = """
from textual.app import App
from textual.widgets import Input, Label
class Floor(App):
    def compose(self):
        yield Label("FLOOR-READY")
        yield Input()
Floor().run()
"""
FLOOR_NEEDLE = "FLOOR-READY"
# The floor of a form the wizard's first step's size: a title, five labelled Inputs with a
# line of help each, a row of three buttons and Textual's footer (the first launch draws
# that much; the bare floor above has one Input).
FLOOR_FORM_APP = """
from textual.app import App
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Static
class Form(App):
    BINDINGS = [("ctrl+n", "next", "Next"), ("ctrl+b", "back", "Back")]
    def compose(self):
        yield Label("FORM-READY")
        with VerticalScroll():
            for i in range(5):
                with Horizontal(classes="line"):
                    yield Label(f"Field {i}")
                    yield Input(compact=True)
                yield Static(f"What field {i} is for.")
        with Horizontal(classes="buttons"):
            for name in ("Back", "Test", "Next"):
                yield Button(name, compact=True)
        yield Footer()
    CSS = ".line { height: 1; } .buttons { height: 1; }"
Form().run()
"""
FLOOR_FORM_NEEDLE = "FORM-READY"
LOGIN_NEEDLE = "Email or phone"
# Home with its numbers: the worker line is "loading" until the dashboard arrived (the
# header's "Admin:" is drawn before any data).
HOME_NEEDLE = "kept aside"


def terminal_env(url: str | None = None, data_dir: Path | None = None) -> dict[str, str]:
    """The environment of a timed program: nothing of the caller's SMSCONSOLE_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSCONSOLE_")}
    env.update(LANG="C.UTF-8", TEXTUAL_ANIMATIONS="none", SMSCONSOLE_CONFIG=os.devnull,
               SMSCONSOLE_LANG="en", SMSCONSOLE_SECRET_KEY=secret_key().decode())
    if url:
        env["SMSCONSOLE_DB_URL"] = url
    if data_dir is not None:
        env["SMSCONSOLE_DATA_DIR"] = str(data_dir)
    return env


def spawn(program: list[str], env: dict[str, str]):
    from tests.e2e.terminal import Terminal

    return Terminal([], env, program=program, inherit_env=False, emulate=False)


def floor_seconds(form: bool = False) -> float:
    """Launch to the bare Textual app's Input drawn (``form``: its form drawn)."""
    app, needle = (FLOOR_FORM_APP, FLOOR_FORM_NEEDLE) if form else (FLOOR_APP, FLOOR_NEEDLE)
    term = spawn([sys.executable, "-c", app], terminal_env())
    try:
        return term.seconds_to(needle, timeout=30)
    finally:
        term.quit()
