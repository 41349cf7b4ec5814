"""Drive the real ``smsconsole`` program in a pseudo-terminal and read its screen.

pexpect runs the program in a pty; pyte (a terminal emulator) turns the byte stream into
the screen a user sees, so tests wait for and read text the way a person would.
"""

from __future__ import annotations

import os
import sys
import time

import pexpect
import pyte

KEYS = {"enter": "\r", "tab": "\t", "esc": "\x1b", "backspace": "\x7f",
        "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
        "ctrl+n": "\x0e", "ctrl+o": "\x0f", "ctrl+t": "\x14", "ctrl+s": "\x13",
        "ctrl+q": "\x11", "ctrl+l": "\x0c", "ctrl+b": "\x02", "f1": "\x1bOP"}


class Terminal:
    def __init__(self, args: list[str], env: dict[str, str], cols: int = 120, rows: int = 36):
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        full_env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        full_env.update(env)
        self.child = pexpect.spawn(sys.executable, ["-m", "smsconsole", *args], env=full_env,
                                   dimensions=(rows, cols), timeout=30)

    def pump(self, seconds: float = 0.05) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.02)
                self.stream.feed(data)
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                return
            if time.monotonic() >= deadline:
                return

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, *needles: str, timeout: float = 30.0) -> str:
        """Wait until every needle is on screen; returns the screen text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            screen = self.text()
            if all(n in screen for n in needles):
                return screen
            if not self.child.isalive():
                break
        raise AssertionError(f"never saw {needles!r}; screen was:\n{self.text()}")

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

    def type(self, text: str) -> None:
        self.child.send(text)
        self.pump(0.2)

    def close(self) -> int | None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
        return self.child.exitstatus
