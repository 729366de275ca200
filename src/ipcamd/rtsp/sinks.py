"""Where a track's packets go: interleaved on the RTSP connection, or UDP to the client.

A frame is written whole or not at all: when the connection (or the UDP socket) still holds
more than :data:`CONGESTED` unsent bytes, the frame is dropped, so a slow client loses whole
frames (never half a NAL unit) and its memory stays bounded; an H.264 track then waits for the
next keyframe. A frame's interleaved bytes are built once per channel number and shared by
every session on that channel (``RtpFrame.interleaved``).
"""

from __future__ import annotations

import asyncio
import struct
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Unsent bytes beyond which a frame is dropped rather than queued.
CONGESTED = 256 * 1024


@dataclass(slots=True)
class RtpFrame:
    """One frame's RTP packets, built once per profile and sent to every session of it."""

    packets: Sequence[bytes]
    keyframe: bool
    timestamp: int
    octets: int
    _interleaved: dict[int, bytes] = field(default_factory=dict)

    def interleaved(self, channel: int) -> bytes:
        """The packets framed for ``channel`` (``$``, channel, length, packet; RFC 2326
        10.12), joined: one write per frame for every TCP session on that channel."""
        joined = self._interleaved.get(channel)
        if joined is None:
            joined = b"".join(struct.pack("!cBH", b"$", channel, len(p)) + p for p in self.packets)
            self._interleaved[channel] = joined
        return joined


class Sink(ABC):
    """A track's way to its client."""

    @property
    @abstractmethod
    def congested(self) -> bool:
        """True when a frame written now would queue up behind too much unsent data."""

    @abstractmethod
    def send_frame(self, frame: RtpFrame) -> None:
        """Every packet of ``frame``."""

    @abstractmethod
    def send_rtp(self, packet: bytes) -> None:
        """One RTP packet (the metadata track's documents)."""

    @abstractmethod
    def send_rtcp(self, packet: bytes) -> None:
        """One RTCP compound packet."""


class InterleavedSink(Sink):
    """RTP and RTCP on two channels of the RTSP connection."""

    def __init__(self, transport: asyncio.WriteTransport, rtp: int, rtcp: int) -> None:
        self._transport = transport
        self.rtp, self.rtcp = rtp, rtcp

    @property
    def congested(self) -> bool:
        """Unsent bytes of the connection above the limit (or the connection gone)."""
        transport = self._transport
        return transport.is_closing() or transport.get_write_buffer_size() > CONGESTED

    def send_frame(self, frame: RtpFrame) -> None:
        """The frame's packets, framed for this channel, in one write."""
        if not self._transport.is_closing():
            self._transport.write(frame.interleaved(self.rtp))

    def _send(self, channel: int, packet: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(struct.pack("!cBH", b"$", channel, len(packet)) + packet)

    def send_rtp(self, packet: bytes) -> None:
        """One RTP packet on the RTP channel."""
        self._send(self.rtp, packet)

    def send_rtcp(self, packet: bytes) -> None:
        """One RTCP packet on the RTCP channel."""
        self._send(self.rtcp, packet)


class UdpSink(Sink):
    """RTP and RTCP datagrams from the server's two UDP ports to the client's two ports."""

    def __init__(
        self,
        rtp_transport: asyncio.DatagramTransport,
        rtcp_transport: asyncio.DatagramTransport,
        host: str,
        ports: tuple[int, int],
    ) -> None:
        self._rtp_transport, self._rtcp_transport = rtp_transport, rtcp_transport
        self.rtp_address = (host, ports[0])
        self.rtcp_address = (host, ports[1])

    @property
    def congested(self) -> bool:
        """The server's RTP socket has more queued than the limit (the kernel buffer is full)."""
        transport = self._rtp_transport
        # Selector datagram transports count what the kernel would not take yet.
        queued: int = getattr(transport, "get_write_buffer_size", lambda: 0)()
        return transport.is_closing() or queued > CONGESTED

    def send_frame(self, frame: RtpFrame) -> None:
        """One datagram per packet."""
        for packet in frame.packets:
            self.send_rtp(packet)

    def send_rtp(self, packet: bytes) -> None:
        """One RTP datagram."""
        if not self._rtp_transport.is_closing():
            self._rtp_transport.sendto(packet, self.rtp_address)

    def send_rtcp(self, packet: bytes) -> None:
        """One RTCP datagram (a client that does not listen there is not an error)."""
        if not self._rtcp_transport.is_closing():
            self._rtcp_transport.sendto(packet, self.rtcp_address)
