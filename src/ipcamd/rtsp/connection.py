"""One RTSP connection: read requests (and interleaved RTCP), answer each in one write.

Bounded in every way a client can abuse: a request head is at most 8 KiB and must arrive
within :data:`HEAD_TIMEOUT` once begun, a connection with no session of its own closes after
:data:`IDLE_TIMEOUT` of silence, and a reply is refused (the connection closed) to a client
that reads nothing while its unsent replies pile up. Anything that cannot be read as a
request is answered with a status and the connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct

from ipcamd.errors import InvalidParameter, IpcamdError, NotFound, Unavailable
from ipcamd.rtsp.handlers import Handlers
from ipcamd.rtsp.protocol import (
    MAX_HEAD,
    Request,
    RtspError,
    cseq_of,
    error_body,
    format_response,
    parse_request,
)
from ipcamd.rtsp.rtcp import is_rtcp

_LOGGER = logging.getLogger(__name__)

#: Seconds a client has to finish a request head it has begun (slowloris).
HEAD_TIMEOUT = 10.0
#: Seconds a connection without a live session of its own may stay silent.
IDLE_TIMEOUT = 60.0
#: Unsent reply bytes beyond which a client that does not read is cut off.
MAX_UNSENT = 4 * 1024 * 1024


class Connection:
    """The requests of one client connection, answered by :class:`Handlers`."""

    def __init__(
        self, handlers: Handlers, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.reader, self.writer = reader, writer
        peer = writer.get_extra_info("peername")
        self.peer: str = peer[0] if isinstance(peer, tuple) else ""
        local = writer.get_extra_info("sockname")
        self.local: str = local[0] if isinstance(local, tuple) else "127.0.0.1"
        self.handlers = handlers
        #: Presentation paths DESCRIBEd on this connection (SETUP needs one first).
        self.described: set[str] = set()
        #: Interleaved channels in use on this connection → the session using them.
        self.channels: dict[int, str] = {}
        #: Sessions made on this connection (while one lives, the connection never idles out).
        self.sessions: set[str] = set()

    def write(self, data: bytes) -> None:
        """Queue bytes for the client, or close a connection whose client stopped reading."""
        transport = self.writer.transport
        if transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_UNSENT:
            _LOGGER.info("RTSP client %s reads nothing: connection closed", self.peer)
            transport.abort()
            return
        transport.write(data)

    async def run(self) -> None:
        """Serve the connection until the client leaves or misbehaves."""
        try:
            while not self.writer.transport.is_closing():
                first = await self._read_first()
                if first is None:
                    break
                if first == b"$":
                    await self._interleaved()
                    continue
                if not await self._request(first):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass
        finally:
            self.handlers.connection_closed(self)
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()

    async def _read_first(self) -> bytes | None:
        """The first byte of the next message (blank lines between messages are skipped);
        None at the end. Idle connections without a live session of their own time out."""
        while True:
            try:
                first = await asyncio.wait_for(self.reader.read(1), IDLE_TIMEOUT)
            except TimeoutError:
                if self.handlers.streams_on(self):
                    continue
                raise
            if not first:
                return None
            if first not in b"\r\n":
                return first

    async def _interleaved(self) -> None:
        """A binary frame from the client (its RTCP reports): a sign of life, else dropped."""
        channel, length = struct.unpack("!BH", await self._exactly(3))
        packet = await self._exactly(length)
        if channel in self.channels and is_rtcp(packet):
            self.handlers.touch(self.channels[channel])

    async def _exactly(self, count: int) -> bytes:
        return await asyncio.wait_for(self.reader.readexactly(count), HEAD_TIMEOUT)

    async def _read_head(self, first: bytes) -> bytes:
        """The request head (up to the blank line), at most MAX_HEAD bytes."""
        head = bytearray(first)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HEAD_TIMEOUT  # for the whole head, however it trickles in
        while True:
            try:
                line = await asyncio.wait_for(
                    self.reader.readuntil(b"\n"), max(0.0, deadline - loop.time())
                )
            except asyncio.LimitOverrunError as err:
                raise RtspError(400, "Request head too long", close=True) from err
            if line in (b"\r\n", b"\n") and head.endswith(b"\n"):
                return bytes(head).rstrip(b"\r\n")
            head += line
            if len(head) > MAX_HEAD:
                raise RtspError(400, "Request head too long", close=True)

    async def _request(self, first: bytes) -> bool:
        """Read, handle and answer one request; False when the connection must close."""
        head = b""
        request: Request | None = None
        try:
            head = await self._read_head(first)
            request = parse_request(head)
            if request.content_length:
                await self._exactly(request.content_length)  # a body we do not use
            reply = await self.handlers.handle(self, request)
        except RtspError as err:
            cseq = request.cseq if request is not None else cseq_of(head)
            headers, body = error_body(err)
            self.write(format_response(err.status, cseq, headers, body))
            if err.status >= 500 or err.status == 401:
                _LOGGER.debug("RTSP %s from %s: %s", err.status, self.peer, err)
            return not err.close
        except IpcamdError as err:
            assert request is not None
            status = _status_of(err)
            headers, body = error_body(RtspError(status, str(err)))
            self.write(format_response(status, request.cseq, headers, body))
            return True
        self.write(reply)
        return True


def _status_of(error: IpcamdError) -> int:
    """The RTSP status of a domain error (400, 404, 503, else 500)."""
    if isinstance(error, InvalidParameter):
        return 400
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Unavailable):
        return 503
    return 500
