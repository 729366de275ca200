"""The ``Transport`` header of SETUP (RFC 2326 section 12.39): what a client asks, what we
answer. Pure functions.

Two transports are served: RTP over UDP to the client's own address (``RTP/AVP`` or
``RTP/AVP/UDP``, ``unicast``, ``client_port=P-Q``) and RTP interleaved on the RTSP connection
(``RTP/AVP/TCP``, ``interleaved=C-D``, RFC 2326 section 10.12). A ``destination`` is ignored:
packets only ever go to the peer of the RTSP connection (no reflection to a third party).
Multicast is not offered. A header may list several choices; the first we can serve wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ipcamd.rtsp.protocol import RtspError

#: Interleaved channel numbers are one byte on the wire (``$``, channel, length).
MAX_CHANNEL = 255


class Lower(StrEnum):
    """Which lower transport carries the RTP packets."""

    UDP = "udp"
    TCP = "tcp"


@dataclass(frozen=True, slots=True)
class TransportChoice:
    """A served choice: UDP ports of the client, or the interleaved channels (RTP, RTCP)."""

    lower: Lower
    rtp: int
    rtcp: int

    def reply(self, server_ports: tuple[int, int], ssrc: int) -> str:
        """The ``Transport`` header value of SETUP's reply."""
        if self.lower is Lower.TCP:
            return f"RTP/AVP/TCP;unicast;interleaved={self.rtp}-{self.rtcp};ssrc={ssrc:08X}"
        return (
            f"RTP/AVP;unicast;client_port={self.rtp}-{self.rtcp};"
            f"server_port={server_ports[0]}-{server_ports[1]};ssrc={ssrc:08X}"
        )


_PAIR = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")


def _pair(raw: str, high: int, what: str) -> tuple[int, int]:
    match = _PAIR.fullmatch(raw)
    if match is None:
        raise RtspError(400, f"Malformed {what} '{raw[:40]}'")
    first = int(match.group(1))
    second = int(match.group(2)) if match.group(2) is not None else first + 1
    if not (0 <= first <= high and 0 <= second <= high):
        raise RtspError(400, f"{what} '{raw[:40]}' out of range (0 to {high})")
    return first, second


def parse_transport(header: str | None) -> TransportChoice:
    """The first choice of a ``Transport`` header we serve.

    ``RTP/AVP;unicast;client_port=4588-4589`` → UDP 4588/4589;
    ``RTP/AVP/TCP;unicast;interleaved=0-1`` → TCP channels 0/1.
    Raises RtspError 400 (malformed, a channel or port out of range) or 461 (nothing served).
    """
    if not header:
        raise RtspError(400, "SETUP needs a Transport header")
    for choice in header.split(","):
        fields = [f.strip() for f in choice.split(";") if f.strip()]
        if not fields:
            continue
        spec = fields[0].upper()
        params = dict(f.partition("=")[::2] for f in fields[1:])
        if "multicast" in params:
            continue
        if spec in ("RTP/AVP", "RTP/AVP/UDP") and "client_port" in params:
            rtp, rtcp = _pair(params["client_port"], 65535, "client_port")
            if rtp == 0:
                raise RtspError(400, "client_port 0 is not a port")
            return TransportChoice(Lower.UDP, rtp, rtcp)
        if spec == "RTP/AVP/TCP":
            if "interleaved" not in params:
                raise RtspError(400, "RTP/AVP/TCP needs interleaved=")
            rtp, rtcp = _pair(params["interleaved"], MAX_CHANNEL, "interleaved")
            return TransportChoice(Lower.TCP, rtp, rtcp)
    raise RtspError(461, "Only unicast RTP/AVP over UDP (client_port) or TCP (interleaved)")
