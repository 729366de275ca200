"""Pelco-D frames as pure functions: checksums, command bits, positions, checks of raw data."""

from __future__ import annotations

import pytest

from ipcamd.errors import InvalidParameter
from ipcamd.ptz import pelco
from ipcamd.ptz.pelco import Cmd2


def test_frames_and_checksums() -> None:
    # The examples of the protocol's common descriptions: camera 1 pans right at 0x20, stops.
    assert pelco.frame(1, 0, 0x02, 0x20, 0) == bytes.fromhex("ff010002200023")
    assert pelco.frame(1, 0, 0, 0, 0) == bytes.fromhex("ff010000000001")
    assert pelco.frame(2, 0, 0x07, 0, 0x22) == bytes.fromhex("ff02000700222b")  # go to zero pan
    assert pelco.checksum(bytes((0xFF, 0xFF, 0x03))) == 0x01  # modulo 256


def test_motion_bits() -> None:
    assert pelco.motion(1, 100, 100, 0) == pelco.frame(1, 0, 0x0A, 0x3F, 0x3F)  # right + up
    assert pelco.motion(1, -1, -1, 1) == pelco.frame(1, 0, 0x34, 0x01, 0x01)  # left down tele
    assert pelco.motion(1, 0, 0, -5, focus=-1, iris=1) == pelco.frame(1, 0x02, 0xC0, 0, 0)
    assert pelco.motion(1, 0, 0, 0, focus=1, iris=-1) == pelco.frame(1, 0x05, 0, 0, 0)


@pytest.mark.parametrize("pan", [-180.0, -90.5, -0.01, 0.0, 12.34, 179.99, 180.0])
def test_pan_round_trip(pan: float) -> None:
    value = pelco.pan_value(pan)
    assert 0 <= value < 36000
    assert pelco.pan_degrees(value) == pytest.approx(pan if pan != -180 else 180.0)


@pytest.mark.parametrize("tilt", [-90.0, -45.0, 0.0, 5.0, 90.0])
def test_tilt_round_trip(tilt: float) -> None:
    assert pelco.tilt_degrees(pelco.tilt_value(tilt)) == pytest.approx(tilt)
    assert pelco.tilt_value(-10) == 1000  # below the horizon counts up from 0


def test_zoom_values() -> None:
    assert (pelco.zoom_value(1), pelco.zoom_value(9999)) == (0, 65535)
    assert pelco.zoom_steps(pelco.zoom_value(5000)) == pytest.approx(5000, abs=0.2)
    assert pelco.extended(1, Cmd2.SET_ZOOM, 0xABCD) == pelco.frame(1, 0, 0x4F, 0xAB, 0xCD)


def test_replies() -> None:
    reply = pelco.extended(3, Cmd2.PAN_IS, 9000)
    assert pelco.reply_value(b"\x00" + reply, 3, Cmd2.PAN_IS) == 9000
    assert pelco.reply_value(reply, 4, Cmd2.PAN_IS) is None  # another unit
    assert pelco.reply_value(reply[:-1] + b"\x00", 3, Cmd2.PAN_IS) is None  # bad checksum
    assert pelco.reply_value(b"", 3, Cmd2.PAN_IS) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "frames are 7 bytes each, got 0"),
        (bytes.fromhex("ff0100020020"), "got 6"),
        (bytes.fromhex("fe010002200023"), "does not start with ff"),
        (bytes.fromhex("ff010002200024"), "checksum 24, expected 23"),
        (bytes.fromhex("ff010002200023ff010000000002"), "frame 2 has checksum 02, expected 01"),
    ],
)
def test_check_refuses(data: bytes, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        pelco.check(data)
    pelco.check(bytes.fromhex("ff010002200023ff010000000001"))
