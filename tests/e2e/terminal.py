"""Drive a real program (``smsconsole`` by default) in a pseudo-terminal and read its screen.

The one pseudo-terminal driver of the project: the end-to-end tests and the benchmarks
(``bench/run.py``, ``bench/startup.py``) both use it, so a benchmark times exactly what
the tests drive. pexpect runs the program in a pty; pyte (a terminal emulator) turns the
byte stream into the screen a user sees, so tests wait for and read text the way a person
would. ``emulate=False`` (the benchmarks) skips the emulator: the output is read as text
with the escape sequences taken out, which costs the harness next to nothing — a timed
program and its baseline then share the machine with as little of the harness as possible.

Every wait looks at the screen after each chunk of output, and ``seen_at`` keeps the
``perf_counter()`` of the chunk that completed it (``started`` is taken just before the
program is spawned).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect

KEYS = {"enter": "\r", "tab": "\t", "esc": "\x1b", "backspace": "\x7f",
        "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
        "ctrl+n": "\x0e", "ctrl+o": "\x0f", "ctrl+t": "\x14", "ctrl+s": "\x13",
        "ctrl+q": "\x11", "ctrl+l": "\x0c", "ctrl+b": "\x02", "f1": "\x1bOP"}

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|"
                  rb"\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHMNOZ]")


def smsconsole_argv() -> list[str]:
    """The installed ``smsconsole`` script beside this interpreter, else ``-m``."""
    exe = Path(sys.executable).with_name("smsconsole")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "smsconsole"]


class Terminal:
    def __init__(self, args: list[str], env: dict[str, str], cols: int = 120, rows: int = 36,
                 *, program: list[str] | None = None, inherit_env: bool = True,
                 emulate: bool = True):
        """``program`` (default ``python -m smsconsole``) runs with ``args`` appended;
        ``env`` is laid over this process's environment (over nothing when
        ``inherit_env`` is false)."""
        self.emulate = emulate
        if emulate:
            import pyte

            self.screen = pyte.Screen(cols, rows)
            self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.mark = 0  # plain-text offset: waits without emulation look after it
        self.seen_at: float | None = None
        full_env = dict(os.environ) if inherit_env else {}
        full_env.update(TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        full_env.update(env)
        argv = [*(program or [sys.executable, "-m", "smsconsole"]), *args]
        self.started = time.perf_counter()
        self.child = pexpect.spawn(argv[0], argv[1:], env=full_env, dimensions=(rows, cols),
                                   timeout=30)

    @property
    def pid(self) -> int:
        return self.child.pid

    def _read(self, timeout: float) -> bool:
        """One chunk of output into the screen; False at end of output."""
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        if self.emulate:
            self.stream.feed(data)
        else:
            self.raw += data
        return True

    def pump(self, seconds: float = 0.05) -> None:
        deadline = time.monotonic() + seconds
        while self._read(0.02) and time.monotonic() < deadline:
            pass

    def text(self) -> str:
        """The screen (emulated), or all output so far as one line of plain text."""
        if self.emulate:
            return "\n".join(self.screen.display)
        plain = ANSI.sub(b" ", self.raw).decode("utf-8", "replace")
        return re.sub(r"\s+", " ", plain)

    def _fresh(self) -> str:
        return self.text() if self.emulate else self.text()[self.mark:]

    def wait_for(self, *needles: str, timeout: float = 30.0) -> str:
        """Wait until every needle is on screen (without emulation: in the output since
        the last wait); returns the screen text and sets ``seen_at``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = self._read(0.01)
            screen = self._fresh()
            if all(n in screen for n in needles):
                self.seen_at = time.perf_counter()
                if not self.emulate:
                    self.mark = len(self.text())
                return screen
            if not alive:  # the program ended and its output is all read
                break
        raise AssertionError(f"never saw {needles!r}; screen was:\n{self.text()[-2000:]}")

    def seconds_to(self, *needles: str, timeout: float = 30.0) -> float:
        """Seconds from the spawn until every needle is on screen."""
        self.wait_for(*needles, timeout=timeout)
        return self.seen_at - self.started

    def wait_gone(self, needle: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if needle not in self.text():
                return
        raise AssertionError(f"{needle!r} never went away; screen:\n{self.text()}")

    def press(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            self.child.send(KEYS.get(key, key))
            self.pump(pause)

    def type(self, text: str, gap: float | None = None) -> None:
        """All at once (arrives as one paste), or key by key ``gap`` seconds apart as a
        (fast) person types."""
        if gap is None:
            self.child.send(text)
            self.pump(0.2)
            return
        for char in text:
            self.child.send(char)
            if gap:
                self.pump(gap)

    def rss_mib(self) -> tuple[float, float]:
        """(current, peak) resident memory of the program, MiB."""
        fields = {}
        for line in Path(f"/proc/{self.child.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def quit(self, key: str = "ctrl+q", timeout: float = 5.0) -> None:
        """Ask the program to quit by its key; force it after ``timeout``."""
        try:
            self.child.send(KEYS.get(key, key))
            self.child.expect(pexpect.EOF, timeout=timeout)
        except (pexpect.TIMEOUT, OSError):
            pass
        self.close()

    def close(self) -> int | None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
        return self.child.exitstatus
