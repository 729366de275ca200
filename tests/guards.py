"""What every test is held to: no blocking call on the event loop's thread, no thread left over.

**Blocking calls.** Named calls that block are wrapped; one made on a thread that is running an
event loop is recorded, and the test fails at its end with the call's stack (it is not raised
where it happens: a broad ``except`` in the code under test could swallow it). Which calls:
``time.sleep``; SQLite statements, commits and rollbacks; opening a file of
:data:`LARGE_FILE` bytes or more; scrypt; simplejpeg's encoders and decoders; PyAV's ``open``;
``Thread.join``; waiting on a ``concurrent.futures.Future`` that is not done yet (the
``db.call(...)`` pattern). What is checked is *where* a call runs, never how long it takes, so a
busy machine cannot trip it. (A slow-callback threshold would.)

A call counts when the product makes it: product code running in the loop (a request handler, a
task, a callback, or a product coroutine a test awaits). A test's own synchronous work on the
loop's thread (decoding a JPEG it received, reading the database file, waiting for a process it
started, calling a synchronous product API such as ``db.get_meta``) is the test's business, and
so is asyncio's own (its executor shutdown joins a thread that has already finished).

**Threads.** The threads alive after a test (its servers stopped, its loop closed) must be the
ones alive before it; a thread that is ending gets a bounded wait (:data:`THREAD_GRACE`) to end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import inspect
import os
import sqlite3
import stat
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import av
import pytest
import simplejpeg

#: Opening a regular file at least this large on the loop's thread counts as a blocking read.
LARGE_FILE = 256 * 1024
#: Seconds the threads a test started get, together, to end after it.
THREAD_GRACE = 10.0

_ASYNC_CODE = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR
_SKIPPED_SUFFIXES = (".py", ".pyc", ".so", ".pth")


def made_by_the_product(caller: FrameType | None) -> bool:
    """Whether the call made from ``caller`` is the product's (see the module's docstring).

    Walking outwards: no frame of ``ipcamd`` before the test's own frames (or the runner's)
    means a test or a library made the call; a test frame right outside product code counts
    only if it awaits that code (a product coroutine), not if it called a synchronous API.
    """
    outermost: FrameType | None = None
    frame = caller
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == "ipcamd" or module.startswith("ipcamd."):
            outermost = frame
        elif module.startswith("tests.") and outermost is not None:
            return bool(outermost.f_code.co_flags & _ASYNC_CODE)
        elif module.startswith("tests."):
            return False
        frame = frame.f_back
    return outermost is not None


def on_loop_thread() -> bool:
    """True when the calling thread is running an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@dataclass(frozen=True)
class Violation:
    """One blocking call made on the loop's thread."""

    call: str
    stack: str

    def __str__(self) -> str:
        return f"{self.call} on the event loop's thread:\n{self.stack}"


@dataclass
class LoopGuard:
    """Records blocking calls made on a loop's thread while it is active."""

    violations: list[Violation] = field(default_factory=list)
    active: bool = False

    def check(self, call: str, frame: FrameType | None) -> None:
        """Record ``call`` if the product makes it on the loop's thread."""
        if not self.active or not on_loop_thread():
            return
        caller = frame.f_back if frame is not None else None
        if not made_by_the_product(caller):
            return
        stack = "".join(traceback.format_stack(caller, limit=12))
        self.violations.append(Violation(call, stack))


GUARD = LoopGuard()


def _guarded(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        GUARD.check(name, sys._getframe())
        return original(*args, **kwargs)

    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    return wrapper


class _GuardedCursor(sqlite3.Cursor):
    def execute(self, *args: Any, **kwargs: Any) -> Any:
        GUARD.check("sqlite3 Cursor.execute", sys._getframe())
        return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        GUARD.check("sqlite3 Cursor.executemany", sys._getframe())
        return super().executemany(*args, **kwargs)


class _GuardedConnection(sqlite3.Connection):
    """A connection whose statements, commits and rollbacks are checked."""

    def cursor(self, factory: Any = _GuardedCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        GUARD.check("sqlite3 Connection.execute", sys._getframe())
        return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        GUARD.check("sqlite3 Connection.executemany", sys._getframe())
        return super().executemany(*args, **kwargs)

    def executescript(self, *args: Any, **kwargs: Any) -> Any:
        GUARD.check("sqlite3 Connection.executescript", sys._getframe())
        return super().executescript(*args, **kwargs)

    def commit(self) -> None:
        GUARD.check("sqlite3 Connection.commit", sys._getframe())
        super().commit()

    def rollback(self) -> None:
        GUARD.check("sqlite3 Connection.rollback", sys._getframe())
        super().rollback()


def _connect(original: Callable[..., sqlite3.Connection]) -> Callable[..., sqlite3.Connection]:
    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", _GuardedConnection)
        return original(*args, **kwargs)

    return connect


def _join(original: Callable[..., None]) -> Callable[..., None]:
    def join(self: threading.Thread, timeout: float | None = None) -> None:
        if self.is_alive() and timeout != 0:
            GUARD.check(f"Thread.join({self.name})", sys._getframe())
        original(self, timeout)

    return join


def _result(original: Callable[..., Any]) -> Callable[..., Any]:
    def result(self: concurrent.futures.Future[Any], timeout: float | None = None) -> Any:
        if not self.done() and timeout != 0:
            GUARD.check("waiting on a concurrent.futures.Future", sys._getframe())
        return original(self, timeout)

    return result


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """The ``open`` audit event (builtins.open, io.open, os.open): large regular files only."""
    if event != "open" or not GUARD.active:
        return
    path = args[0]
    if not isinstance(path, str | bytes | os.PathLike) or not on_loop_thread():
        return
    name = os.fsdecode(path)
    if name.endswith(_SKIPPED_SUFFIXES):  # imports, which are not file reads of ours
        return
    try:
        info = os.stat(name)
    except OSError:
        return
    if stat.S_ISREG(info.st_mode) and info.st_size >= LARGE_FILE:
        GUARD.check(f"opening {name} ({info.st_size} bytes)", sys._getframe())


@functools.cache
def _install_audit_hook() -> None:
    """Once per process: an audit hook cannot be removed (it does nothing while inactive)."""
    sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def no_blocking_calls_on_the_loop() -> Iterator[None]:
    """Fail a test in which a known blocking call ran on the event loop's thread."""
    _install_audit_hook()
    patch = pytest.MonkeyPatch()
    patch.setattr(time, "sleep", _guarded("time.sleep", time.sleep))
    patch.setattr(hashlib, "scrypt", _guarded("hashlib.scrypt", hashlib.scrypt))
    for name in ("encode_jpeg", "encode_jpeg_yuv_planes", "decode_jpeg"):
        patch.setattr(simplejpeg, name, _guarded(f"simplejpeg.{name}", getattr(simplejpeg, name)))
    patch.setattr(av, "open", _guarded("av.open", av.open))
    patch.setattr(sqlite3, "connect", _connect(sqlite3.connect))
    patch.setattr(threading.Thread, "join", _join(threading.Thread.join))
    patch.setattr(concurrent.futures.Future, "result", _result(concurrent.futures.Future.result))
    GUARD.violations.clear()
    GUARD.active = True
    try:
        yield
    finally:
        GUARD.active = False
        patch.undo()
    found, GUARD.violations[:] = list(GUARD.violations), []
    if found:
        pytest.fail(
            f"{len(found)} blocking call(s) on the event loop's thread; the first:\n{found[0]}",
            pytrace=False,
        )


def threads_still_running(before: set[threading.Thread], grace: float) -> list[threading.Thread]:
    """The threads not in ``before`` still alive after waiting up to ``grace`` s for them all."""
    deadline = time.monotonic() + grace
    for thread in set(threading.enumerate()) - before:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in set(threading.enumerate()) - before if t.is_alive()]


@pytest.fixture(autouse=True)
def no_threads_left_running() -> Iterator[None]:
    """Fail a test after which a thread it started is still running (bounded wait first)."""
    before = set(threading.enumerate())
    yield
    left = threads_still_running(before, THREAD_GRACE)
    if left:
        names = ", ".join(sorted(t.name for t in left))
        pytest.fail(f"threads still running after the test: {names}", pytrace=False)
