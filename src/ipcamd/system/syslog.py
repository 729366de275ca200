"""The system log (5.1.10): a persistent, bounded ring of what happened on the device.

It is a :class:`logging.Handler` on the ``ipcamd`` logger, so every module reports with plain
``logging`` (INFO and above land here) and nothing needs to know the log exists. Lines are
formatted when the record is made (device clock, local time) and queued in memory; a background
task writes them in batches to SQLite on the database thread, so the event loop never waits for
disk. The table keeps the newest ``capacity`` lines. A ``kill -9`` loses at most the lines of
the last flush interval.

Several devices may share a process (the tests do): each device's log registers itself in a
context variable when it starts, and every task its server creates inherits that context, so a
record goes to the log of the device whose task made it. Records made outside any device's
context (a bare thread) go to every log of the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar

from ipcamd.db import Database
from ipcamd.notices import OncePer
from ipcamd.system.clock import Clock

_LOGGER = logging.getLogger(__name__)

#: The logger tree the system log listens to.
ROOT_LOGGER = "ipcamd"
#: Lines kept in the database.
CAPACITY = 10_000
#: Seconds between two writes of queued lines.
FLUSH_INTERVAL = 1.0
#: Longest message kept in one line.
MAX_MESSAGE = 1000
#: Which device's log the current task reports to (see the module docstring).
_OWNER: ContextVar[SystemLog | None] = ContextVar("ipcamd_system_log", default=None)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SEVERITIES = (
    (logging.CRITICAL, "crit"),
    (logging.ERROR, "err"),
    (logging.WARNING, "warning"),
    (logging.INFO, "info"),
)


def severity(levelno: int) -> str:
    """The syslog severity name of a logging level (``ERROR`` → ``err``)."""
    for threshold, name in _SEVERITIES:
        if levelno >= threshold:
            return name
    return "debug"


def one_line(message: str) -> str:
    """A message made safe for one line: control characters (line breaks too) become a space."""
    cleaned = _CONTROL.sub(" ", message).strip()
    return cleaned if len(cleaned) <= MAX_MESSAGE else cleaned[:MAX_MESSAGE] + "..."


def format_line(timestamp: str, host: str, pid: int, level: str, message: str) -> str:
    """``2026-11-26T01:02:03.123+01:00 ipcamd-abc123 ipcamd[1234]: <info> message``."""
    return f"{timestamp} {host} ipcamd[{pid}]: <{level}> {message}"


class _RingHandler(logging.Handler):
    """Formats records of its device and queues them for the next flush."""

    def __init__(self, owner: SystemLog) -> None:
        super().__init__(logging.INFO)
        self._owner = owner

    def filter(self, record: logging.LogRecord) -> bool:
        owner = _OWNER.get()
        return (owner is None or owner is self._owner) and bool(super().filter(record))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._owner.queue(self._owner.format_record(record))
        except Exception:  # logging's contract: a handler never raises into the caller
            self.handleError(record)


class SystemLog:
    """The ring of log lines of one device."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        hostname: Callable[[], str],
        *,
        capacity: int = CAPACITY,
        flush_interval: float = FLUSH_INTERVAL,
    ) -> None:
        self._db = db
        self._clock = clock
        self._hostname = hostname
        self.capacity = capacity
        self._flush_interval = flush_interval
        self._handler = _RingHandler(self)
        self._pending: deque[str] = deque(maxlen=capacity)
        self._dropped = 0
        self._task: asyncio.Task[None] | None = None
        self._flush_errors = OncePer(60.0)

    # ------------------------------------------------------------------ records

    def format_record(self, record: logging.LogRecord) -> str:
        """The line of one record, stamped with the device clock in local time."""
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message = f"{message} ({type(error).__name__}: {error})"
        moment = self._clock.to_local(self._clock.from_host(record.created))
        return format_line(
            moment.isoformat(timespec="milliseconds"),
            self._hostname(),
            record.process or os.getpid(),
            severity(record.levelno),
            one_line(message),
        )

    def queue(self, line: str) -> None:
        """Queue a line for the next flush (called under the handler's lock, any thread)."""
        if len(self._pending) == self._pending.maxlen:
            self._dropped += 1
        self._pending.append(line)

    def _take(self) -> tuple[list[str], int]:
        self._handler.acquire()
        try:
            lines, dropped = list(self._pending), self._dropped
            self._pending.clear()
            self._dropped = 0
        finally:
            self._handler.release()
        return lines, dropped

    # ------------------------------------------------------------------ storage

    async def async_flush(self) -> None:
        """Write the queued lines (in order) to the database."""
        lines, dropped = self._take()
        if dropped:
            lines.insert(0, f"(system log: {dropped} lines dropped, written too fast)")
        if not lines:
            return
        capacity = self.capacity

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT INTO system_log(line) VALUES(?)", [(x,) for x in lines])
            conn.execute(
                "DELETE FROM system_log WHERE id <= (SELECT MAX(id) FROM system_log) - ?",
                (capacity,),
            )

        await self._db.async_call(self._db.transaction(write))

    async def async_lines(self) -> list[str]:
        """Every kept line, oldest first (queued lines included)."""
        await self.async_flush()
        rows = await self._db.async_call(
            lambda c: c.execute("SELECT line FROM system_log ORDER BY id").fetchall()
        )
        return [str(row[0]) for row in rows]

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval)
            try:
                await self.async_flush()
            except sqlite3.Error:
                if self._flush_errors.due("flush"):
                    _LOGGER.exception("Cannot write the system log; queued lines are lost")

    # ------------------------------------------------------------------ lifetime

    async def start(self) -> None:
        """Listen to the ``ipcamd`` loggers (INFO and above) and start the writer."""
        _OWNER.set(self)
        logger = logging.getLogger(ROOT_LOGGER)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(self._handler)
        self._task = asyncio.get_running_loop().create_task(self._flush_forever())

    async def stop(self) -> None:
        """Stop listening and write what is still queued."""
        logging.getLogger(ROOT_LOGGER).removeHandler(self._handler)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.async_flush()
