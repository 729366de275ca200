"""The supervisor: runs the active slot's ipcamd as a child and rolls back a bad upgrade.

``ipcamd serve`` becomes this supervisor only once a slot is installed (the plain path stays a
single process). It never binds the port itself: each child does, and reports on a pipe
``ready <version> <port>`` once it serves; the supervisor keeps that port for the next child, so a
unit started with ``--port 0`` comes back where it was. A child on trial that exits, hangs past
the health timeout or reports another version than the pointer's is killed, and the previous slot
runs again with the database as it was before the switch. The supervisor itself is the base
installation's code, like a boot loader, and is not replaced by upgrades.

A child never outlives its supervisor: it holds the read end of a *lifeline* pipe whose only
write end the supervisor keeps. When the supervisor dies, even by SIGKILL, the kernel closes
that end, the child reads EOF and shuts down as on SIGTERM (streams closed, database closed), so
the port is free for the next supervisor.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from ipcamd.system.firmware.slots import FirmwareStore, Pointer

_LOGGER = logging.getLogger(__name__)

#: Exit status of a supervised child that wants to be relaunched (new firmware is switched in).
EXIT_RELAUNCH = 75
READY_ENV = "IPCAMD_READY_FD"
LIFELINE_ENV = "IPCAMD_LIFELINE_FD"
#: Seconds a child whose supervisor died may take to shut down before it exits regardless.
ORPHAN_GRACE = 15.0
SUPERVISED_FLAG = "--supervised"


def announce_ready(version: str, port: int) -> None:
    """In a supervised child: tell the supervisor (once) that this version serves on ``port``."""
    fd_text = os.environ.pop(READY_ENV, None)
    if fd_text is None:
        return
    try:
        fd = int(fd_text)
        os.write(fd, f"ready {version} {port}\n".encode())
        os.close(fd)
    except (OSError, ValueError):
        _LOGGER.exception("Could not report readiness to the supervisor")


def watch_supervisor() -> None:
    """In a supervised child: end this process when the supervisor is gone.

    A daemon thread blocks on the lifeline pipe; EOF means the supervisor died. The process then
    gets SIGTERM (the graceful shutdown of ``serve``) and, should that hang, exits after
    :data:`ORPHAN_GRACE` seconds.
    """
    fd_text = os.environ.pop(LIFELINE_ENV, None)
    if fd_text is None:
        return
    try:
        fd = int(fd_text)
        os.fstat(fd)
    except (OSError, ValueError):
        _LOGGER.exception("No lifeline to the supervisor")
        return

    def watch() -> None:
        try:
            while os.read(fd, 64):
                pass  # the supervisor never writes; only EOF matters
        except OSError:
            pass
        _LOGGER.warning("The supervisor is gone; stopping")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(ORPHAN_GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="ipcamd-lifeline", daemon=True).start()


def child_command(argv: list[str], port: int) -> list[str]:
    """How to start ipcamd again with the same arguments on ``port`` (the last --port wins)."""
    return [sys.executable, "-P", "-m", "ipcamd", *argv, "--port", str(port)]


class Supervisor:
    """Starts, watches, confirms or rolls back the child that serves."""

    def __init__(
        self,
        argv: list[str],
        store: FirmwareStore,
        database: Path,
        port: int,
        health_timeout: float,
    ) -> None:
        self._argv = argv
        self._store = store
        self._database = database
        self._port = port
        self._health_timeout = health_timeout
        self._child: subprocess.Popen[bytes] | None = None
        self._stopping = False
        # Every child gets the read end; only this process ever holds the write end, so its
        # death (however it dies) is an EOF for the child.
        self._lifeline_read, self._lifeline_write = os.pipe()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True
        if self._child is not None and self._child.poll() is None:
            self._child.send_signal(signum)

    def run(self) -> int:
        """Supervise until SIGTERM or SIGINT; returns the exit status."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        backoff = 0.5
        while not self._stopping:
            pointer = self._store.read()
            ready = self._start_child(pointer)
            child = self._child
            assert child is not None
            if ready is None or (pointer is not None and ready[0] != pointer.version):
                self._kill_child()
                if self._stopping:
                    break
                if pointer is not None and pointer.trial:
                    _LOGGER.error("Firmware %s failed to start; rolling back", pointer.version)
                    self._store.rollback(self._database)
                    continue
                _LOGGER.error("ipcamd failed to start; trying again in %.1f s", backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            self._port = ready[1]
            if pointer is not None and pointer.trial:
                self._store.confirm()
                _LOGGER.info("Firmware %s started; upgrade confirmed", pointer.version)
            backoff = 0.5
            code = child.wait()
            if self._stopping:
                break
            if code == EXIT_RELAUNCH:
                _LOGGER.info("Relaunching on the new firmware")
                continue
            _LOGGER.error("ipcamd exited with status %s; starting it again", code)
            time.sleep(backoff)
        if self._child is not None:
            self._child.wait()
        return 0

    def _start_child(self, pointer: Pointer | None) -> tuple[str, int] | None:
        """Start the child of ``pointer``'s slot; its (version, port) once ready, else None."""
        env = dict(os.environ)
        slot_dir = None if pointer is None else self._store.slot_dir(pointer.slot)
        if slot_dir is not None:
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(slot_dir), env.get("PYTHONPATH", "")) if p
            )
        read_fd, write_fd = os.pipe()
        env[READY_ENV] = str(write_fd)
        env[LIFELINE_ENV] = str(self._lifeline_read)
        command = [*child_command(self._argv, self._port), SUPERVISED_FLAG]
        _LOGGER.info(
            "Starting ipcamd %s from slot %s",
            pointer.version if pointer else "(base)",
            pointer.slot if pointer else "base",
        )
        try:
            # Our own interpreter and arguments, no shell.
            self._child = subprocess.Popen(  # noqa: S603
                command, env=env, pass_fds=(write_fd, self._lifeline_read)
            )
        finally:
            os.close(write_fd)
        try:
            return self._wait_ready(read_fd)
        finally:
            os.close(read_fd)

    def _wait_ready(self, read_fd: int) -> tuple[str, int] | None:
        child = self._child
        assert child is not None
        deadline = time.monotonic() + self._health_timeout
        buffer = b""
        while time.monotonic() < deadline and not self._stopping:
            readable, _, _ = select.select([read_fd], [], [], 0.2)
            if readable:
                chunk = os.read(read_fd, 256)
                if not chunk:
                    return None  # the child closed the pipe (or died) without reporting
                buffer += chunk
                if b"\n" in buffer:
                    words = buffer.split(b"\n", 1)[0].decode(errors="replace").split()
                    if len(words) == 3 and words[0] == "ready" and words[2].isdigit():
                        return words[1], int(words[2])
                    return None
            elif child.poll() is not None:
                return None
        return None

    def _kill_child(self) -> None:
        child = self._child
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
