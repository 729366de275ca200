"""RTP packets (RFC 3550) and the H.264 payload format (RFC 6184): pure functions of bytes.

An access unit becomes one packet per NAL unit when it fits (single NAL unit packets), else
FU-A fragments (packetization-mode=1); the marker bit is set on the access unit's last packet.
STAP-A aggregation is not used: SPS and PPS go as two small single packets before an IDR
frame. Every session of a profile is sent the same packets (one SSRC, one sequence), built
once per frame.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

#: The largest RTP payload: an RTP packet then fits a 1500-byte Ethernet frame with room for
#: IP, UDP (or the interleaved header) and an IPsec/VPN tunnel's overhead.
MAX_PAYLOAD = 1400
RTP_VERSION = 0x80
_HEADER = struct.Struct("!BBHII")
_NAL_FU_A = 28


def rtp_header(payload_type: int, seq: int, timestamp: int, ssrc: int, marker: bool) -> bytes:
    """The 12-byte fixed header: version 2, no padding, extension or CSRC."""
    return _HEADER.pack(
        RTP_VERSION,
        (0x80 if marker else 0) | payload_type,
        seq & 0xFFFF,
        timestamp & 0xFFFFFFFF,
        ssrc,
    )


def rtp_packets(
    payloads: Sequence[bytes], payload_type: int, seq: int, timestamp: int, ssrc: int
) -> list[bytes]:
    """One RTP packet per payload, numbered from ``seq``, the marker on the last one."""
    last = len(payloads) - 1
    return [
        rtp_header(payload_type, seq + i, timestamp, ssrc, i == last) + payload
        for i, payload in enumerate(payloads)
    ]


def h264_payloads(units: Iterable[bytes], limit: int = MAX_PAYLOAD) -> list[bytes]:
    """RFC 6184 payloads of one access unit's NAL units (without start codes).

    A unit of at most ``limit`` bytes is its own payload (section 5.6); a longer one is cut
    into FU-A fragments (5.8): an indicator byte (the unit's F and NRI bits, type 28), a header
    byte (start bit, end bit, the unit's type) and a slice of the unit after its own header.
    """
    payloads: list[bytes] = []
    for unit in units:
        if not unit:
            continue
        if len(unit) <= limit:
            payloads.append(unit)
            continue
        indicator = bytes([(unit[0] & 0xE0) | _NAL_FU_A])
        kind = unit[0] & 0x1F
        view = memoryview(unit)
        step = limit - 2
        starts = range(1, len(unit), step)
        for index, start in enumerate(starts):
            header = kind | (0x80 if index == 0 else 0) | (0x40 if start + step >= len(unit) else 0)
            payloads.append(indicator + bytes([header]) + view[start : start + step])
    return payloads


def h264_units(payloads: Iterable[bytes]) -> list[bytes]:
    """The NAL units carried by RFC 6184 payloads (single units and FU-A, STAP-A too): the
    inverse of :func:`h264_payloads`, used by tests and the benchmark's client."""
    units: list[bytes] = []
    pending = bytearray()
    for payload in payloads:
        kind = payload[0] & 0x1F
        if kind == _NAL_FU_A:
            if payload[1] & 0x80:
                pending = bytearray([(payload[0] & 0xE0) | (payload[1] & 0x1F)])
            pending += payload[2:]
            if payload[1] & 0x40:
                units.append(bytes(pending))
        elif kind == 24:  # STAP-A
            pos = 1
            while pos + 2 <= len(payload):
                (size,) = struct.unpack_from("!H", payload, pos)
                units.append(bytes(payload[pos + 2 : pos + 2 + size]))
                pos += 2 + size
        else:
            units.append(bytes(payload))
    return units
