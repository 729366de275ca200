"""The RTSP front end: a TCP listener for RTSP, two UDP ports for RTP/RTCP, and the sessions.

Started and stopped with its device by ``ipcamd.server`` (so a restart closes every session
and the new unit listens again on the same port). A port that cannot be bound (554 needs
``CAP_NET_BIND_SERVICE`` or root; another program may hold it) is one warning line and no
RTSP: the HTTP API still serves. At most :data:`MAX_CONNECTIONS` connections at once; UDP
sessions whose client went silent are closed every :data:`EXPIRY_INTERVAL`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from ipcamd.device import Device
from ipcamd.rtsp.audio import AudioFeed
from ipcamd.rtsp.connection import Connection
from ipcamd.rtsp.feeds import Feed
from ipcamd.rtsp.handlers import Handlers
from ipcamd.rtsp.protocol import MAX_HEAD

_LOGGER = logging.getLogger(__name__)

#: Connections served at once; more are closed as they come.
MAX_CONNECTIONS = 256
#: Seconds between two looks for expired UDP sessions.
EXPIRY_INTERVAL = 5.0


class _Rtcp(asyncio.DatagramProtocol):
    """The server's RTCP port: a client's receiver report keeps its session alive."""

    def __init__(self, handlers: Handlers) -> None:
        self._handlers = handlers

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        """A report (or a NAT opener): the session of that address is alive."""
        host, port = addr[0], addr[1]
        self._handlers.touch(self._handlers.udp_peers.get((str(host), int(port))))

    def error_received(self, exc: Exception) -> None:
        """An ICMP error for a client that does not listen on its RTCP port: not ours to fix."""


def _bind_pair(host: str) -> tuple[socket.socket, socket.socket]:
    """Two UDP sockets on an even port and the next (RFC 3550's RTP/RTCP convention)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(32):
        rtp = socket.socket(family, socket.SOCK_DGRAM)
        try:
            rtp.bind((host, 0))
            port = rtp.getsockname()[1]
            if port % 2 == 0 and port < 65535:
                rtcp = socket.socket(family, socket.SOCK_DGRAM)
                try:
                    rtcp.bind((host, port + 1))
                except OSError:
                    rtcp.close()
                else:
                    return rtp, rtcp
        except OSError:
            rtp.close()
            raise
        rtp.close()
    raise OSError("no free pair of UDP ports")


class RtspServer:
    """RTSP for one device on ``host:port`` (``port`` 0: any free port)."""

    def __init__(self, device: Device, host: str, port: int) -> None:
        self.device = device
        self.host = host
        self.port = port
        self.handlers = Handlers(device)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._udp: list[asyncio.DatagramTransport] = []
        self._expiry: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The media URL clients open."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"rtsp://{host}:{self.port}/axis-media/media.amp"

    async def start(self) -> bool:
        """Listen; False (with one warning line) when the port cannot be bound."""
        try:
            self._server = await asyncio.start_server(
                self._client, self.host, self.port, limit=MAX_HEAD, reuse_address=True
            )
        except OSError as err:
            _LOGGER.warning(
                "RTSP not served: cannot listen on %s:%d (%s); allow the port (setcap "
                "cap_net_bind_service=+ep on the Python interpreter) or choose another with "
                "--rtsp-port",
                self.host,
                self.port,
                err.strerror or err,
            )
            return False
        self.port = int(self._server.sockets[0].getsockname()[1])
        try:
            await self._open_udp()
        except OSError as err:
            _LOGGER.warning("RTSP over UDP not served (%s); RTP/AVP/TCP still is", err)
        self._expiry = asyncio.get_running_loop().create_task(self._expire())
        _LOGGER.info("RTSP serving %s", self.url)
        return True

    async def _open_udp(self) -> None:
        loop = asyncio.get_running_loop()
        rtp_sock, rtcp_sock = _bind_pair(self.host)
        rtp, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, sock=rtp_sock)
        rtcp, _ = await loop.create_datagram_endpoint(lambda: _Rtcp(self.handlers), sock=rtcp_sock)
        self._udp = [rtp, rtcp]
        ports = (rtp_sock.getsockname()[1], rtcp_sock.getsockname()[1])
        self.handlers.udp = (rtp, rtcp, ports)

    async def _expire(self) -> None:
        while True:
            await asyncio.sleep(EXPIRY_INTERVAL)
            self.handlers.expire()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._connections) >= MAX_CONNECTIONS:
            writer.transport.abort()
            return
        self._connections.add(task)
        self._writers.add(writer)
        try:
            await Connection(self.handlers, reader, writer).run()
        finally:
            self._writers.discard(writer)
            self._connections.discard(task)

    @property
    def connections(self) -> int:
        """Connections open now (tests and diagnostics)."""
        return len(self._connections)

    async def stop(self) -> None:
        """Stop listening, end every session and feed, close every connection."""
        if self._server is not None:
            self._server.close()
        if self._expiry is not None:
            self._expiry.cancel()
        feeds: list[Feed | AudioFeed] = [
            *self.handlers.feeds.values(),
            *self.handlers.audio_feeds.values(),
        ]
        self.handlers.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for transport in self._udp:
            transport.close()
        tasks = [*self._connections, *([self._expiry] if self._expiry else [])]
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(f.wait_closed() for f in feeds), return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(OSError):
                await self._server.wait_closed()
            self._server = None
