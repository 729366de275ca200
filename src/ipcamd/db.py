"""The device database: one SQLite file in the data directory, used from one worker thread.

SQLite gives durable, atomic commits (WAL journal, ``synchronous=FULL``): a crash leaves either the
old or the new state. All statements run on a single dedicated thread so the event loop never
blocks on disk and writes are serialised without extra locking.

The database holds password hashes and the unit's secret, so the data directory is private to
the user that runs the unit (0700) and the database with its ``-wal`` and ``-shm`` files is 0600,
whatever the umask; a looser data directory or file found at start is tightened, with a log line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_LOGGER = logging.getLogger(__name__)
#: What only the unit's user may use: its data directory (and the ones in it), its files.
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS param_value (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS param_group (path TEXT PRIMARY KEY, template TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS user_account (
    name TEXT PRIMARY KEY,
    primary_group TEXT NOT NULL,
    groups TEXT NOT NULL,
    comment TEXT NOT NULL,
    scrypt TEXT NOT NULL,
    ha1_md5 TEXT NOT NULL,
    ha1_sha256 TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS system_log (id INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT NOT NULL);
"""

DB_FILE = "ipcamd.sqlite3"
#: SQLite's companion files of a WAL database (created with the database file's mode).
_COMPANIONS = ("-wal", "-shm")


def restrict(path: Path, mode: int) -> None:
    """Take away every permission of ``path`` beyond ``mode`` (logged when there were any)."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        os.chmod(path, current & mode)
        _LOGGER.warning(
            "%s was mode %04o; now %04o (private to the user running ipcamd)",
            path,
            current,
            current & mode,
        )


def private_directory(path: Path) -> Path:
    """``path`` as a directory only the unit's user may enter (made if missing)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    restrict(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only the unit's user may read (made empty if missing)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    restrict(path, PRIVATE_FILE)
    return path


class Database:
    """Owns the SQLite connection and the one thread that uses it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipcamd-db")
        self._conn: sqlite3.Connection = self._executor.submit(self._open).result()

    def _open(self) -> sqlite3.Connection:
        private_directory(self.path.parent)
        # SQLite creates -wal and -shm with the database file's mode, whatever the umask.
        private_file(self.path)
        for suffix in _COMPANIONS:
            companion = self.path.with_name(self.path.name + suffix)
            if companion.exists():
                restrict(companion, PRIVATE_FILE)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(_SCHEMA)
        return conn

    def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on the database thread and wait (for start-up and the CLI)."""
        return self._executor.submit(fn, self._conn).result()

    async def async_call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on the database thread without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self._conn)

    def transaction(
        self, fn: Callable[[sqlite3.Connection], T]
    ) -> Callable[[sqlite3.Connection], T]:
        """Wrap ``fn`` so that it runs inside BEGIN IMMEDIATE … COMMIT (ROLLBACK on error)."""

        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return run

    def get_meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (MAC, secrets, clock offset...)."""
        row = self.call(
            lambda c: c.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        )
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a ``meta`` value durably."""
        self.call(
            self.transaction(
                lambda c: c.execute(
                    "INSERT INTO meta(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (key, value),
                )
            )
        )

    async def async_set_meta(self, key: str, value: str) -> None:
        """Store a ``meta`` value durably, off the event loop."""
        await self.async_call(
            self.transaction(
                lambda c: c.execute(
                    "INSERT INTO meta(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (key, value),
                )
            )
        )

    def close(self) -> None:
        """Close the connection and stop the thread."""
        try:
            self._executor.submit(self._conn.close).result()
        finally:
            self._executor.shutdown(wait=True)
