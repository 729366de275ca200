"""A serial line (pyserial) driven from one thread, so the event loop never waits for it.

Frames are queued by :meth:`SerialLink.send` and written in order by the link's thread, which
also reads a reply when one is expected (with a short timeout: many heads never answer). A
device that is missing or goes away is reported by :attr:`SerialLink.error` and retried every
:data:`RETRY` seconds; the camera keeps streaming meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import termios
import threading
import time
from dataclasses import dataclass

import serial

from ipcamd.errors import Unavailable

_LOGGER = logging.getLogger(__name__)

#: Seconds between two attempts to open a device that is missing.
RETRY = 5.0


@dataclass
class _Job:
    data: bytes
    reply: int
    timeout: float
    future: asyncio.Future[bytes]


class SerialLink:
    """One serial device, ``baud`` 8N1, written by its own thread."""

    def __init__(self, device: str, baud: int, name: str) -> None:
        self.device = device
        self.baud = baud
        self.name = name
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._port: serial.Serial | None = None
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened = threading.Event()

    @property
    def error(self) -> str | None:
        """Why the device cannot be used now, or None."""
        return self._error

    async def start(self) -> None:
        """Start the thread and wait until it tried to open the device once."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name=f"ipcamd-{self.name}", daemon=True)
        self._thread.start()
        await asyncio.to_thread(self._opened.wait, 5.0)

    async def stop(self) -> None:
        """Let the queued frames go out, then close the device and end the thread."""
        if self._thread is None:
            return
        self._jobs.put(None)
        await asyncio.to_thread(self._thread.join, 5.0)
        self._thread = None

    async def send(self, data: bytes, reply: int = 0, wait: float = 0.25) -> bytes:
        """Write ``data``; with ``reply`` > 0, read up to that many bytes (at most ``wait``
        s) and return them. Raises Unavailable when the device cannot be written."""
        if self._loop is None or self._thread is None:
            raise Unavailable(f"{self.name} is not running")
        future: asyncio.Future[bytes] = self._loop.create_future()
        self._jobs.put(_Job(data, reply, wait, future))
        return await future

    # ------------------------------------------------------------------ the thread

    def _open(self) -> None:
        try:
            self._port = serial.Serial(self.device, self.baud, timeout=0.05, write_timeout=2.0)
        except (serial.SerialException, OSError, ValueError) as err:
            message = f"cannot open {self.device}: {err}"
            if message != self._error:
                _LOGGER.error("%s: %s", self.name, message)  # noqa: TRY400 - no traceback
            self._error = message
            self._port = None
        else:
            if self._error is not None:
                _LOGGER.info("%s: %s is open again", self.name, self.device)
            self._error = None

    def _run(self) -> None:
        self._open()
        self._opened.set()
        try:
            while True:
                try:
                    job = self._jobs.get(timeout=RETRY)
                except queue.Empty:
                    if self._port is None:
                        self._open()
                    continue
                if job is None:
                    return
                self._do(job)
        finally:
            if self._port is not None:
                with contextlib.suppress(serial.SerialException, OSError, termios.error):
                    self._port.close()

    def _do(self, job: _Job) -> None:
        if self._port is None:
            self._open()
        port = self._port
        if port is None:
            self._finish(job, Unavailable(f"{self.name}: {self._error}"))
            return
        try:
            if job.reply:
                port.reset_input_buffer()
            port.write(job.data)
            port.flush()
            answer = b""
            deadline = time.monotonic() + job.timeout
            while job.reply and len(answer) < job.reply and time.monotonic() < deadline:
                answer += port.read(job.reply - len(answer))
        except (serial.SerialException, OSError, termios.error) as err:
            # termios.error (tcdrain of a line that went away) is not an OSError.
            self._error = f"{self.device}: {err}"
            _LOGGER.error("%s: %s", self.name, self._error)  # noqa: TRY400 - no traceback
            with contextlib.suppress(serial.SerialException, OSError, termios.error):
                port.close()
            self._port = None
            self._finish(job, Unavailable(f"{self.name}: {self._error}"))
            return
        self._finish(job, answer)

    def _finish(self, job: _Job, outcome: bytes | Exception) -> None:
        def settle() -> None:
            if job.future.done():
                return
            if isinstance(outcome, Exception):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)

        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop closed while a frame went out
            self._loop.call_soon_threadsafe(settle)
