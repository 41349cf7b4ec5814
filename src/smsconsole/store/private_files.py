"""Files only their owner may read: the data dir (0700), the SQLite database with its
WAL files, the secret key and exports (0600). Used by the store and the services."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> None:
    """Create the data dir (0700), or take group and other access away from ours: it
    holds the database, the key and exports (argon2 hashes, customers' data)."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist; else make ours 0600."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            path.chmod(mode)
    except OSError:  # not ours to change (a shared folder): leave it
        pass
