"""Pelco-D frames (pure): seven bytes, sync ``0xFF``, address, command 1, command 2, data 1,
data 2, and a checksum that is the sum of bytes 2-6 modulo 256.

Standard commands set bits of the two command bytes (pan right ``0x02`` / left ``0x04``, tilt up
``0x08`` / down ``0x10``, zoom tele ``0x20`` / wide ``0x40``, focus far ``0x80`` in command 2;
focus near ``0x01``, iris open ``0x02`` / close ``0x04``, auto scan ``0x10`` with sense ``0x80``
in command 1) with the pan and tilt speeds (0-0x3F) in the data bytes; an all-zero frame stops.
Extended commands have an odd command 2 (``0x03`` set preset, ``0x05`` clear, ``0x07`` go to,
``0x2B`` auto focus, ``0x2D`` auto iris, ``0x25`` zoom speed, ``0x4B``/``0x4D``/``0x4F`` set the
pan / tilt / zoom position, ``0x51``/``0x53``/``0x55`` query them, answered by
``0x59``/``0x5B``/``0x5D`` frames).
"""

from __future__ import annotations

from enum import IntEnum

from ipcamd.errors import InvalidParameter

SYNC = 0xFF
FRAME = 7
MAX_SPEED = 0x3F


class Cmd2(IntEnum):
    """Bits of command 2 (standard) and the extended command numbers."""

    PAN_RIGHT = 0x02
    PAN_LEFT = 0x04
    TILT_UP = 0x08
    TILT_DOWN = 0x10
    ZOOM_TELE = 0x20
    ZOOM_WIDE = 0x40
    FOCUS_FAR = 0x80
    SET_PRESET = 0x03
    CLEAR_PRESET = 0x05
    GOTO_PRESET = 0x07
    ZOOM_SPEED = 0x25
    AUTO_FOCUS = 0x2B
    AUTO_IRIS = 0x2D
    SET_PAN = 0x4B
    SET_TILT = 0x4D
    SET_ZOOM = 0x4F
    QUERY_PAN = 0x51
    QUERY_TILT = 0x53
    QUERY_ZOOM = 0x55
    PAN_IS = 0x59
    TILT_IS = 0x5B
    ZOOM_IS = 0x5D


class Cmd1(IntEnum):
    """Bits of command 1."""

    FOCUS_NEAR = 0x01
    IRIS_OPEN = 0x02
    IRIS_CLOSE = 0x04
    AUTO_SCAN = 0x10
    SENSE = 0x80


def checksum(body: bytes) -> int:
    """The sum of address, both commands and both data bytes, modulo 256."""
    return sum(body) % 256


def frame(address: int, cmd1: int, cmd2: int, data1: int = 0, data2: int = 0) -> bytes:
    """One frame to unit ``address``."""
    body = bytes((address, cmd1, cmd2, data1, data2))
    return bytes((SYNC, *body, checksum(body)))


def extended(address: int, command: Cmd2, value: int) -> bytes:
    """An extended command with a 16-bit value (data 1 high byte, data 2 low byte)."""
    return frame(address, 0, command, (value >> 8) & 0xFF, value & 0xFF)


def speed_byte(speed: int) -> int:
    """A ptz.cgi speed 1-100 as Pelco-D's 0x01-0x3F."""
    return max(1, min(MAX_SPEED, round(abs(speed) * MAX_SPEED / 100)))


def motion(address: int, pan: int, tilt: int, zoom: int, *, focus: int = 0, iris: int = 0) -> bytes:
    """The standard frame for these continuous speeds (-100..100; 0 = still). Focus follows
    ptz.cgi's continuousfocusmove (positive near), iris positive open."""
    cmd1 = 0
    cmd2 = 0
    if pan:
        cmd2 |= Cmd2.PAN_RIGHT if pan > 0 else Cmd2.PAN_LEFT
    if tilt:
        cmd2 |= Cmd2.TILT_UP if tilt > 0 else Cmd2.TILT_DOWN
    if zoom:
        cmd2 |= Cmd2.ZOOM_TELE if zoom > 0 else Cmd2.ZOOM_WIDE
    if focus:
        if focus > 0:
            cmd1 |= Cmd1.FOCUS_NEAR
        else:
            cmd2 |= Cmd2.FOCUS_FAR
    if iris:
        cmd1 |= Cmd1.IRIS_OPEN if iris > 0 else Cmd1.IRIS_CLOSE
    return frame(
        address, cmd1, cmd2, speed_byte(pan) if pan else 0, speed_byte(tilt) if tilt else 0
    )


def pan_value(pan: float) -> int:
    """Pan degrees (-180..180, positive right) as hundredths of a degree 0-35999."""
    return round(pan * 100) % 36000


def tilt_value(tilt: float) -> int:
    """Tilt degrees (positive up) as Pelco's hundredths: 0 level, downwards positive (0-9000
    below the horizon), upwards counted back from 36000."""
    return round(-tilt * 100) % 36000


def zoom_value(zoom: float) -> int:
    """Zoom step 1-9999 as the 0-65535 of Set Zoom Position."""
    return round((zoom - 1) / 9998 * 65535)


def pan_degrees(value: int) -> float:
    """The inverse of :func:`pan_value`, -180..180."""
    degrees = (value % 36000) / 100
    return degrees - 360 if degrees > 180 else degrees


def tilt_degrees(value: int) -> float:
    """The inverse of :func:`tilt_value`."""
    degrees = (value % 36000) / 100
    return -degrees if degrees <= 180 else 360 - degrees


def zoom_steps(value: int) -> float:
    """The inverse of :func:`zoom_value`."""
    return 1 + value / 65535 * 9998


def check(data: bytes) -> None:
    """Refuse bytes that are not whole, well-formed Pelco-D frames (``rawdata``)."""
    if not data or len(data) % FRAME:
        raise InvalidParameter(f"rawdata: Pelco-D frames are {FRAME} bytes each, got {len(data)}")
    for start in range(0, len(data), FRAME):
        one = data[start : start + FRAME]
        if one[0] != SYNC:
            raise InvalidParameter(f"rawdata: frame {start // FRAME + 1} does not start with ff")
        if checksum(one[1:6]) != one[6]:
            raise InvalidParameter(
                f"rawdata: frame {start // FRAME + 1} has checksum {one[6]:02x}, "
                f"expected {checksum(one[1:6]):02x}"
            )


def reply_value(data: bytes, address: int, kind: Cmd2) -> int | None:
    """The 16-bit value of a well-formed reply of ``kind`` from ``address`` in ``data``."""
    for start in range(len(data) - FRAME + 1):
        one = data[start : start + FRAME]
        if one[0] == SYNC and one[1] == address and one[3] == kind and checksum(one[1:6]) == one[6]:
            return (one[4] << 8) | one[5]
    return None
