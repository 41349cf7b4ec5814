"""An error nobody planned for: the admin sees a short message with a reference; the
detail (the exception, a SQL statement, the traceback) goes to the console's log file
under that reference, never to the screen (issue 18, item 3)."""

from __future__ import annotations

import logging
from pathlib import Path

from smsconsole.i18n import t

log = logging.getLogger("smsconsole.unexpected")
LOG_NAME = "console.log"


def unexpected(exc: BaseException, where: str = "") -> str:
    """Log ``exc`` with a fresh reference; return the short message that names it."""
    import secrets  # not at the top: start-up time (2 ms), and errors are rare

    ref = secrets.token_hex(3).upper()
    log.error("unexpected error, reference %s%s", ref, f" ({where})" if where else "",
              exc_info=exc)
    return t("ui.unexpected", ref=ref)


def log_to_file(data_dir: Path | str) -> Path:
    """Send the console's warnings and errors to ``<data dir>/console.log`` (a terminal
    program has no other place for them). Returns the file's path."""
    path = Path(data_dir) / LOG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    return path


__all__ = ["unexpected", "log_to_file", "LOG_NAME"]
