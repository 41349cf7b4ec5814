"""Start-up: from the command to a drawn login screen (target < 1 s; aim ~300 ms).

Launches the real program in a pseudo-terminal (120×36), reads what it draws, and stops
the clock when the login screen's text appears. Also: the wizard on a fresh data dir,
typing the login right away until home is drawn (the database layer is imported after
the first paint), and a baseline measured in the same run (a bare Textual app). Medians
of several runs. Prints ``name: value unit (target T) ok|FAIL``; exit 1 on a FAIL.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHMNOZ]")
COLS, ROWS = 120, 36
BASELINE = """
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("BASELINE-READY")
Hello().run()
"""


def smsconsole() -> list[str]:
    exe = Path(sys.executable).with_name("smsconsole")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "smsconsole"]


def env_for(data_dir: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSCONSOLE_")}
    env.update(TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS), LANG="C.UTF-8",
               SMSCONSOLE_CONFIG=os.devnull, TEXTUAL_ANIMATIONS="none")
    if data_dir is not None:
        env["SMSCONSOLE_DATA_DIR"] = str(data_dir)
    return env


class Terminal:
    """A program running in a pseudo-terminal, its screen text accumulated."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.raw = b""

    def text(self) -> str:
        plain = ANSI.sub(b" ", self.raw).decode("utf-8", "replace")
        return re.sub(r"\s+", " ", plain)

    def wait_for(self, needle: str, timeout: float = 15.0) -> float:
        """Seconds from launch until ``needle`` is on screen."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.01)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.raw += chunk
                if needle in self.text():
                    return time.perf_counter() - self.start
        raise TimeoutError(f"{needle!r} not drawn; last output: {self.text()[-400:]!r}")

    def type(self, data: str, gap: float = 0.02) -> None:
        """Key by key, as a (fast) person types: one burst would arrive as a paste."""
        for char in data:
            os.write(self.master, char.encode())
            time.sleep(gap)

    def drain(self, seconds: float) -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            if select.select([self.master], [], [], 0.01)[0]:
                self.raw += os.read(self.master, 65536)

    def close(self) -> None:
        try:
            os.write(self.master, b"\x11")  # ctrl+q
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


def measure(argv, env, needle) -> float:
    term = Terminal(argv, env)
    try:
        return term.wait_for(needle)
    finally:
        term.close()


def measure_login(argv, env) -> float:
    """Type the login as soon as the screen is drawn; seconds from the final enter
    to home drawn."""
    term = Terminal(argv, env)
    try:
        term.wait_for("Email or phone")
        term.type("bench@example.com\r")
        term.drain(0.05)
        term.type("Secret123")
        term.drain(0.05)
        pressed = time.perf_counter()
        term.type("\r")
        term.wait_for("Admin: ")
        return time.perf_counter() - pressed
    finally:
        term.close()


def set_up(data_dir: Path) -> None:
    subprocess.run(
        [*smsconsole(), "setup", "--admin-email", "bench@example.com", "--admin-phone",
         "13800138000", "--password-stdin", "--company", "Bench SMS", "--access-key-id",
         "BENCHAKID", "--sign-name", "云顶科技", "--template-code", "SMS_100001",
         "--report-queue", "Alicom-Queue-1-SmsReport", "--reply-queue", "Alicom-Queue-1-SmsUp"],
        input="Secret123\nbench-secret\n", text=True, check=True, env=env_for(data_dir),
        capture_output=True)


def report(name: str, seconds: float, target_ms: float) -> bool:
    ms = seconds * 1000
    ok = ms < target_ms
    print(f"{name}: {ms:.0f} ms (target {target_ms:.0f}) {'ok' if ok else 'FAIL'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="smsconsole-bench-"))
    try:
        ready = work / "ready"
        set_up(ready)
        baseline, login, wizard, home = [], [], [], []
        for run in range(args.runs):
            baseline.append(measure([sys.executable, "-c", BASELINE], env_for(None),
                                    "BASELINE-READY"))
            login.append(measure([*smsconsole(), "--lang", "en"], env_for(ready),
                                 "Email or phone"))
            fresh = work / f"fresh{run}"
            wizard.append(measure([*smsconsole(), "--lang", "en"], env_for(fresh),
                                  "First launch"))
            home.append(measure_login([*smsconsole(), "--lang", "en"], env_for(ready)))
        med = statistics.median
        print(f"baseline_bare_textual_app_drawn: {med(baseline) * 1000:.0f} ms (same run)")
        ok = report("startup_login_drawn", med(login), 1000)
        ok &= report("startup_wizard_drawn", med(wizard), 1000)
        ok &= report("login_enter_to_home_drawn", med(home), 1000)
        print(f"startup_over_baseline: {(med(login) - med(baseline)) * 1000:.0f} ms")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
