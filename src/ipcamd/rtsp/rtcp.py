"""RTCP (RFC 3550 section 6): the sender reports a server sends, pure functions of bytes.

Each track of a playing session gets a compound packet every :data:`REPORT_INTERVAL`
seconds: a sender report (wall-clock time as NTP beside the RTP clock at the same instant,
and what this session was sent) and an SDES with the CNAME, which RFC 3550 requires in every
compound packet. Receivers use it to map RTP time to wall-clock time (and to sync tracks).
What a client sends back (receiver reports) only keeps its session alive; it is not parsed
beyond :func:`is_rtcp`.
"""

from __future__ import annotations

import struct

#: Seconds between two sender reports of one track (RFC 3550's 5 s minimum).
REPORT_INTERVAL = 5.0
#: Seconds from the NTP epoch (1900) to the Unix epoch (1970).
NTP_OFFSET = 2_208_988_800
_SR, _SDES, _CNAME = 200, 202, 1


def ntp_time(unix: float) -> tuple[int, int]:
    """``unix`` seconds as NTP's 32.32 fixed point (seconds, fraction)."""
    seconds = int(unix)
    fraction = int((unix - seconds) * (1 << 32)) & 0xFFFFFFFF
    return (seconds + NTP_OFFSET) & 0xFFFFFFFF, fraction


def sender_report(
    ssrc: int, unix: float, rtp_time: int, *, packets: int, octets: int, cname: str
) -> bytes:
    """A compound RTCP packet: SR (no report blocks) + SDES with one CNAME item."""
    seconds, fraction = ntp_time(unix)
    report = struct.pack(
        "!BBHIIIIII",
        0x80,
        _SR,
        6,
        ssrc,
        seconds,
        fraction,
        rtp_time & 0xFFFFFFFF,
        packets & 0xFFFFFFFF,
        octets & 0xFFFFFFFF,
    )
    name = cname.encode("utf-8")[:255]
    chunk = struct.pack("!IBB", ssrc, _CNAME, len(name)) + name + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    sdes = struct.pack("!BBH", 0x81, _SDES, len(chunk) // 4) + chunk
    return report + sdes


def is_rtcp(packet: bytes) -> bool:
    """True for something shaped as RTCP: version 2 and a packet type of 200-204."""
    return len(packet) >= 8 and packet[0] >> 6 == 2 and 200 <= packet[1] <= 204
