"""The RTP payload format of JPEG (RFC 2435): pure functions of a JPEG's bytes.

RFC 2435 sends only a baseline JPEG's entropy-coded scan, with an 8-byte header per packet
(fragment offset, type, Q, width/8, height/8); the receiver rebuilds the JPEG headers from
the type (4:2:2 is 0, 4:2:0 is 1; +64 with restart markers) and the standard Huffman tables
of JPEG Annex K, which libjpeg-turbo uses unless asked to optimise them (ipcamd never does).
The quantisation tables travel in the first packet of each frame (Q = 255, section 3.1.8), so
every compression setting is shown exactly as encoded. Width and height are counted in
8-pixel blocks in one byte each, so a picture is at most 2040x2040 (:data:`MAX_SIDE`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ipcamd.rtsp.rtp import MAX_PAYLOAD

#: The largest width or height RFC 2435 can describe (255 blocks of 8).
MAX_SIDE = 2040
#: RTP payload type of JPEG (static, RFC 3551) and its clock.
PAYLOAD_TYPE = 26
_SOF0, _DHT, _SOS, _DQT, _DRI, _EOI = 0xC0, 0xC4, 0xDA, 0xDB, 0xDD, 0xD9
_DYNAMIC_Q = 255


class UnsupportedJpeg(ValueError):
    """Raised for a JPEG RFC 2435 cannot carry (not baseline, other sampling, too large)."""


@dataclass(frozen=True, slots=True)
class JpegScan:
    """What RFC 2435 sends of one JPEG: its type, size, tables and entropy-coded scan."""

    type: int
    width: int
    height: int
    #: The quantisation tables (64 bytes each, zig-zag order as in DQT), by table number.
    tables: bytes
    restart_interval: int
    scan: bytes


def parse_jpeg(jpeg: bytes) -> JpegScan:
    """The parts of a baseline JPEG RFC 2435 needs; UnsupportedJpeg for anything else."""
    if jpeg[:2] != b"\xff\xd8":
        raise UnsupportedJpeg("not a JPEG")
    tables: dict[int, bytes] = {}
    width = height = 0
    kind: int | None = None
    restart = 0
    pos = 2
    while pos + 4 <= len(jpeg):
        if jpeg[pos] != 0xFF:
            raise UnsupportedJpeg("broken marker")
        marker = jpeg[pos + 1]
        (length,) = struct.unpack_from("!H", jpeg, pos + 2)
        segment = jpeg[pos + 4 : pos + 2 + length]
        if marker == _DQT:
            offset = 0
            while offset < len(segment):
                precision, number = segment[offset] >> 4, segment[offset] & 0x0F
                if precision != 0:
                    raise UnsupportedJpeg("16-bit quantisation tables")
                tables[number] = segment[offset + 1 : offset + 65]
                offset += 65
        elif marker == _SOF0:
            height, width = struct.unpack_from("!HH", segment, 1)
            kind = _sampling_type(segment)
        elif marker in (0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            raise UnsupportedJpeg("not a baseline JPEG")
        elif marker == _DRI:
            (restart,) = struct.unpack_from("!H", segment, 0)
        elif marker == _SOS:
            start = pos + 2 + length
            end = len(jpeg) - 2 if jpeg[-2:] == b"\xff\xd9" else len(jpeg)
            if kind is None:
                raise UnsupportedJpeg("no SOF0 before the scan")
            if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                raise UnsupportedJpeg(f"{width}x{height} is beyond RFC 2435's {MAX_SIDE}")
            ordered = b"".join(tables[n] for n in sorted(tables))
            return JpegScan(kind, width, height, ordered, restart, jpeg[start:end])
        pos += 2 + length
    raise UnsupportedJpeg("no scan")


def _sampling_type(sof: bytes) -> int:
    """RFC 2435's type of a SOF0 segment: 1 for 4:2:0, 0 for 4:2:2 (three components)."""
    if sof[5] != 3:
        raise UnsupportedJpeg("not a three-component JPEG")
    luma, cb, cr = sof[7], sof[10], sof[13]
    if cb != 0x11 or cr != 0x11:
        raise UnsupportedJpeg("chroma subsampling RFC 2435 does not describe")
    if luma == 0x22:
        return 1
    if luma == 0x21:
        return 0
    raise UnsupportedJpeg("luma sampling RFC 2435 does not describe")


def jpeg_payloads(scan: JpegScan, limit: int = MAX_PAYLOAD) -> list[bytes]:
    """The RTP payloads of one frame: each an RFC 2435 header (3.1), then the restart marker
    header (3.1.7) when the JPEG has restart markers, then the quantisation table header and
    tables in the first packet only (3.1.8), then a slice of the scan."""
    kind = scan.type + (64 if scan.restart_interval else 0)
    restart = (
        struct.pack("!HH", scan.restart_interval, 0xFFFF) if scan.restart_interval else b""
    )  # F=1, L=1, count 0x3FFF: the slices need not end on restart intervals
    quant = struct.pack("!BBH", 0, 0, len(scan.tables)) + scan.tables
    payloads: list[bytes] = []
    offset = 0
    data = memoryview(scan.scan)
    while offset < len(data) or not payloads:
        main = struct.pack(
            "!I4B",
            offset & 0xFFFFFF,  # type-specific byte 0, then the 24-bit fragment offset
            kind,
            _DYNAMIC_Q,
            scan.width // 8,
            scan.height // 8,
        )
        head = main + restart + (quant if offset == 0 else b"")
        room = max(1, limit - len(head))
        payloads.append(head + data[offset : offset + room])
        offset += room
    return payloads
