"""Engine and sessions: SQLite (WAL, busy timeout) by default, PostgreSQL by URL.

``open_store(url)`` returns a ``Store`` with the engine and a session factory;
``upgrade(store)`` applies the Alembic migrations (the console, worker and CLI call it
at start).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from smsconsole.store.private_files import private_file

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _private_sqlite_file(path: Path) -> None:
    """The database file (and its WAL and shared-memory files, which SQLite creates with
    the database's mode) readable by its owner only: 0600, in a 0700 folder when we
    create the folder."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_file(path)
    for extra in ("-wal", "-shm"):
        other = path.with_name(path.name + extra)
        if other.exists():
            private_file(other)


def _sqlite_pragmas(cache_kib: int):
    def on_connect(dbapi_conn, _record) -> None:
        # Autocommit mode at the driver level, so SQLAlchemy's BEGIN (below) decides when
        # a transaction starts; then WAL, NORMAL sync and a busy timeout for concurrent
        # writers.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA cache_size=-{cache_kib}")
        cur.close()

    return on_connect


# Called once per wait when the database stays busy past the busy timeout (the CLI
# prints a line); then the writer keeps waiting, up to BUSY_WAIT_MAX_S in all.
on_busy: Callable[[], None] | None = None
BUSY_WAIT_MAX_S = 300.0


def _sqlite_begin_immediate(conn) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: two writers never deadlock on an
    # upgrade from a read lock, and quota checks see the latest committed state. A busy
    # database (a long writer elsewhere) is waited for, not failed on: after each busy
    # timeout ``on_busy`` is told and the BEGIN retried, up to BUSY_WAIT_MAX_S.
    deadline = time.monotonic() + BUSY_WAIT_MAX_S
    told = False
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
            if on_busy is not None and not told:
                on_busy()
                told = True


def _is_busy(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text


def _sqlite_begin_deferred(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(url: str, *, readonly: bool = False, **kw) -> Engine:
    """An engine; for SQLite, ``readonly`` engines begin deferred transactions (no lock)."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_sqlite_file(Path(parsed.database).expanduser())
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            **kw,
        )
        # Writers get a big page cache (index updates); readers a modest one, so a long
        # export stays within its memory budget.
        event.listen(engine, "connect", _sqlite_pragmas(16_384 if readonly else 65_536))
        event.listen(
            engine, "begin", _sqlite_begin_deferred if readonly else _sqlite_begin_immediate
        )
        return engine
    kw.setdefault("pool_pre_ping", True)
    return create_engine(url, **kw)


@dataclass
class Store:
    """The database: ``session()`` for writes, ``read()`` for reads.

    On SQLite the two use separate engines: writes begin IMMEDIATE (one writer at a
    time, no lock upgrades), reads begin deferred and never wait for a writer (WAL).
    """

    engine: Engine
    sessions: sessionmaker[Session]
    read_engine: Engine
    read_sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    write_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end, rolled back on error.

        SQLite admits one writer: this process's writers queue on a lock first, instead of
        polling SQLite's busy handler (which sleeps up to 100 ms between tries, so
        concurrent threads waited far longer than the writes took). Past the busy timeout
        the lock is not waited for: SQLite's own timeout then applies, as before."""
        if not self.is_sqlite:
            with self.sessions() as session, session.begin():
                yield session
            return
        locked = self.write_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            with self.sessions() as session, session.begin():
                yield session
        finally:
            if locked:
                self.write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (SQLite: a plain deferred BEGIN, no write lock)."""
        # Closing (not rolling back) ends the transaction without expiring the loaded
        # objects, so callers can read them after the block.
        with self.read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def open_store(url: str, **kw) -> Store:
    engine = make_engine(url, **kw)
    read_engine = make_engine(url, readonly=True, **kw) if engine.dialect.name == "sqlite" else engine
    return Store(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        read_engine=read_engine,
        read_sessions=sessionmaker(read_engine, expire_on_commit=False),
    )


# Alembic (about 1.8 s of imports) inside these functions, not at the top: only when the
# schema is checked or migrated, not for every importer of the store.
def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    cfg = alembic_config("sqlite://")
    return ScriptDirectory.from_config(cfg).get_current_head()


def is_current(store: Store) -> bool:
    """The schema is at the head revision (read without any write lock)."""
    from alembic.runtime.migration import MigrationContext

    with store.read_engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        conn.rollback()
    return current == head_revision()


def upgrade(store: Store, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on the store's database. At the head already
    (every start but the first after an update), nothing is written and no write lock
    taken: on SQLite that lock would wait for, or block, every other writer."""
    from alembic import command

    if revision == "head" and is_current(store):
        return
    cfg = alembic_config(store.engine.url.render_as_string(hide_password=False))
    with store.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
