"""Where things live: data dir, database URL, language, config file. No Textual import.

Resolution order for each setting: command-line option, then ``SMSCONSOLE_*``
environment variable, then the default (platformdirs).
"""

from __future__ import annotations

import locale
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "smsconsole"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def detect_lang(env: dict[str, str] | None = None) -> str:
    """``zh`` when the locale says Chinese, else ``en``."""
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


@dataclass
class AppConfig:
    data_dir: Path
    db_url: str
    lang: str
    config_file: Path
    keymap: dict[str, str] = field(default_factory=dict)
    refresh_seconds: float = 5.0

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_config(
    data_dir: str | os.PathLike | None = None,
    db_url: str | None = None,
    lang: str | None = None,
    env: dict[str, str] | None = None,
) -> AppConfig:
    env = os.environ if env is None else env
    ddir = Path(data_dir or env.get("SMSCONSOLE_DATA_DIR") or default_data_dir()).expanduser()
    url = db_url or env.get("SMSCONSOLE_DB_URL") or sqlite_url(ddir / "smsconsole.db")
    chosen = lang or env.get("SMSCONSOLE_LANG") or detect_lang(env)
    if chosen not in ("zh", "en"):
        raise ValueError(f"unknown language {chosen!r}: use zh or en")
    cfg_file = Path(env.get("SMSCONSOLE_CONFIG") or default_config_dir() / "config.toml")
    cfg = AppConfig(data_dir=ddir, db_url=url, lang=chosen, config_file=cfg_file)
    if cfg_file.is_file():
        with cfg_file.open("rb") as fh:
            data = tomllib.load(fh)
        cfg.keymap = {str(k): str(v) for k, v in data.get("keymap", {}).items()}
        cfg.refresh_seconds = float(data.get("refresh_seconds", cfg.refresh_seconds))
    return cfg
