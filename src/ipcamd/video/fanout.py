"""The sending side of MJPEG: each profile hands its parts straight to its viewers' transports.

A viewer's task does not wake up per frame. When a profile has an encoded part, it walks its
senders once and writes the same ``bytes`` object to every viewer that has nothing pending
(``transport.write`` of a ready part: one ``send()``); a viewer still sending an earlier part
(bytes of it in the transport, or in the kernel, unsent because the viewer has not read what
it was sent: :class:`KernelQueue`) is skipped, so a slow reader gets the newest frame when it
is ready again, never a backlog. What one viewer can have queued on the server is bounded:
one part, in the transport (user space) or in the kernel.

A viewer still sending an earlier part that has taken no frame for
:attr:`MjpegSender.stall_timeout` seconds (a stalled or vanished reader) is dropped: its
connection is aborted and its slot under ``Image.MaxViewers`` freed. The hub checks that on a
timer (:class:`StallSweep`), so it works at any frame rate and while no frame comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ipcamd.video.mjpeg import last_part

if TYPE_CHECKING:
    from ipcamd.video.encoder import Encoded

_LOGGER = logging.getLogger(__name__)

#: ``SO_SNDBUF`` of a streaming socket (the kernel doubles it for its bookkeeping): room for
#: a large part in flight on a fast link, and a bound instead of autotuning up to megabytes.
SEND_BUFFER = 128 * 1024
#: ``TCP_NOTSENT_LOWAT``: the kernel takes no more from us while this much is still unsent,
#: so a slow reader's socket holds little beyond what its own receive window took.
NOTSENT_LOWAT = 16 * 1024
#: Parts a viewer must take in a row, each finding the kernel's queue empty, before that queue
#: is no longer checked (it is again as soon as a part does not fit: a slow reader).
WATCH_PARTS = 30
#: Seconds a viewer may go without taking a frame while it is still sending an earlier one.
STALL_TIMEOUT = 5.0
#: Linux's TCP_NOTSENT_LOWAT (Python names it only from 3.12 on some platforms).
_TCP_NOTSENT_LOWAT = getattr(socket, "TCP_NOTSENT_LOWAT", 25)
#: ``struct tcp_info``'s ``tcpi_notsent_bytes`` (Linux 4.6+): where it sits, and how much of
#: the struct to ask for to get it.
_TCP_INFO = getattr(socket, "TCP_INFO", 11)
_NOTSENT = struct.Struct("=I")
_NOTSENT_AT = 144
_INFO_LENGTH = _NOTSENT_AT + _NOTSENT.size


def bound_send_queue(transport: asyncio.WriteTransport) -> None:
    """Bound what the kernel queues for this viewer (best effort: not every socket is TCP)."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, _TCP_NOTSENT_LOWAT, NOTSENT_LOWAT)


class KernelQueue:
    """What the kernel still holds of what was written to a TCP viewer and could not send
    yet (``tcpi_notsent_bytes``): more than nothing means the viewer's receive window is
    full, it has not read what it was sent. A part written then would wait in the kernel
    behind the one it has not read; skipped, the viewer gets the newest frame once it reads.
    """

    __slots__ = ("_sock",)

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    @classmethod
    def of(cls, transport: asyncio.BaseTransport) -> KernelQueue | None:
        """The kernel queue of ``transport``'s TCP socket; None where the kernel does not
        tell (not TCP, not Linux): then only what waits in the transport counts."""
        sock = transport.get_extra_info("socket")
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        try:
            info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _INFO_LENGTH)
        except OSError:
            return None
        return cls(sock) if len(info) >= _INFO_LENGTH else None

    def unsent(self) -> int:
        """Bytes written that the kernel has not sent (0 once the socket is gone)."""
        try:
            info = self._sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _INFO_LENGTH)
        except OSError:
            return 0
        return int(_NOTSENT.unpack_from(info, _NOTSENT_AT)[0])


class MjpegSender:
    """One MJPEG viewer as its profile's fan-out sees it: a transport, the number of the last
    frame it took, and when its stream ends (``nbrofframes``, ``duration``).

    Loop only. :meth:`offer` is called by the profile with every encoded part; :meth:`wait`
    is what the viewer's request handler awaits until the stream is over.
    """

    __slots__ = (
        "_deadline",
        "_deadline_stamp",
        "_done",
        "_frames",
        "_kernel",
        "_next_expected",
        "_sent",
        "_watch",
        "last_seq",
        "name",
        "reason",
        "stall_timeout",
        "taken_at",
        "transport",
    )

    def __init__(
        self,
        transport: asyncio.WriteTransport,
        *,
        name: str = "viewer",
        frames: int = 0,
        duration: float = 0.0,
        stall_timeout: float = STALL_TIMEOUT,
    ) -> None:
        self.transport = transport
        self._kernel = KernelQueue.of(transport)
        #: Parts for which the kernel's queue is still checked before a write: from the start,
        #: and again whenever a part did not fit (asking costs a system call: a viewer that
        #: keeps up is spared it).
        self._watch = WATCH_PARTS
        self.name = name
        self.stall_timeout = stall_timeout
        #: The number of the last frame written (0 before the first).
        self.last_seq = 0
        #: ``time.monotonic()`` when it last took a part (or started).
        self.taken_at = time.monotonic()
        #: Why the stream ended (None while it runs): for the debug log and the tests.
        self.reason: str | None = None
        self._frames = frames
        self._sent = 0
        self._deadline = self.taken_at + duration if duration else None
        self._deadline_stamp = time.time() + duration if duration else None
        self._next_expected: Callable[[], float | None] | None = None
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def timed(self) -> bool:
        """True for a stream that ends at a time (``duration``)."""
        return self._deadline is not None

    @property
    def finished(self) -> bool:
        """True once the stream is over (whatever the reason)."""
        return self._done.done()

    def follow(self, next_expected: Callable[[], float | None]) -> None:
        """The profile now feeding this sender: when its next frame is due (None: whenever
        the source's comes), for a ``duration`` stream's last part."""
        self._next_expected = next_expected

    def offer(self, encoded: Encoded, now: float) -> None:
        """Write ``encoded``'s part if this viewer is ready for it; skip it otherwise."""
        if encoded.seq <= self.last_seq or self._done.done():
            return
        transport = self.transport
        if transport.get_write_buffer_size():
            self._watch = WATCH_PARTS
            return  # still sending an earlier part: this one is skipped, the next is newer
        if self._watch and self._kernel is not None:
            if self._kernel.unsent():
                self._watch = WATCH_PARTS
                return  # the viewer has not read what it was sent: skipped as well
            self._watch -= 1
        if transport.is_closing():
            self.finish("client gone")
            return
        if self._frames or self._deadline is not None:
            self._offer_counted(encoded, now)
            return
        transport.write(encoded.part)
        self.last_seq = encoded.seq
        self.taken_at = now

    @property
    def busy(self) -> bool:
        """True while an earlier part is still on its way: some of it waits in the transport,
        or in the kernel because the viewer has not read what it was sent."""
        if self.transport.get_write_buffer_size():
            return True
        kernel = self._kernel
        return kernel is not None and kernel.unsent() > 0

    def _offer_counted(self, encoded: Encoded, now: float) -> None:
        """:meth:`offer` for a stream with an end: the last part ends in the close-delimiter."""
        if self._deadline is not None and now >= self._deadline:
            self.finish("duration")
            return
        self._sent += 1
        counted = bool(self._frames and self._sent >= self._frames)
        last = counted or self._ends_before_next()
        self.transport.write(last_part(encoded.part) if last else encoded.part)
        self.last_seq = encoded.seq
        self.taken_at = now
        if last:
            self.finish("nbrofframes" if counted else "duration")

    def _ends_before_next(self) -> bool:
        """True when a frame-rate profile's next frame might come only after the duration's
        end (then this part is the last: the stream ends a little early rather than without
        its close-delimiter)."""
        if self._deadline_stamp is None or self._next_expected is None:
            return False
        expected = self._next_expected()
        return expected is not None and expected >= self._deadline_stamp

    def check(self, now: float) -> None:
        """The stall rule: a viewer that took no frame for :attr:`stall_timeout` seconds while
        it still sends an earlier part loses its connection (and so its slot)."""
        if self._done.done():
            return
        transport = self.transport
        if transport.is_closing():
            self.finish("client gone")
        elif now - self.taken_at > self.stall_timeout and self.busy:
            _LOGGER.info(
                "Dropping stalled MJPEG %s (no frame taken for %.0f s, its connection full)",
                self.name,
                now - self.taken_at,
            )
            transport.abort()
            self.finish("stalled")

    def finish(self, reason: str) -> None:
        """End the stream (the handler's :meth:`wait` returns). Safe to call twice."""
        if not self._done.done():
            self.reason = reason
            self._done.set_result(None)

    async def wait(self) -> None:
        """Until the stream is over: its end, the client gone or dropped, the profile closed,
        or the ``duration`` elapsed even if no frame came."""
        if self._deadline is None:
            await self._done
            return
        remaining = self._deadline - time.monotonic()
        try:
            await asyncio.wait_for(asyncio.shield(self._done), max(0.0, remaining))
        except TimeoutError:
            self.finish("duration")


class StallSweep:
    """Runs :meth:`MjpegSender.check` over every sender on a timer while there are any.

    ``senders()`` gives them all (every profile's); the task starts when :meth:`kick` is
    called and stops by itself when none is left.
    """

    def __init__(self, senders: Callable[[], Iterable[MjpegSender]]) -> None:
        self._senders = senders
        self._task: asyncio.Task[None] | None = None
        #: Seconds between checks: a fifth of the shortest stall timeout, at most 1 s.
        self.interval = 1.0

    def kick(self, stall_timeout: float) -> None:
        """A sender joined: make sure the sweep runs, often enough for its timeout."""
        self.interval = min(self.interval, max(0.01, stall_timeout / 5))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            senders = list(self._senders())
            if not senders:
                self.interval = 1.0
                return
            now = time.monotonic()
            for sender in senders:
                sender.check(now)

    def close(self) -> None:
        """Stop checking (the hub shuts down)."""
        if self._task is not None:
            self._task.cancel()
