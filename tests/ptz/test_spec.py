"""Driver specs (``--ptz N=DRIVER``, the TOML ``ptz`` table) and the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ipcamd.errors import InvalidParameter
from ipcamd.ptz.spec import DriverKind, DriverSpec, Optics, parse_spec, parse_specs
from tests.test_cli import Process, processes, request_with, serve, spawn

__all__ = ["processes"]  # the fixture, used by name


def test_digital_with_and_without_options() -> None:
    assert parse_spec(1, "digital") == DriverSpec(1, DriverKind.DIGITAL)
    spec = parse_spec(2, "digital:fov=80,vfov=50,maxzoom=8,timeout=0.5")
    assert spec.optics == Optics(80, 50, 8)
    assert spec.timeout == 0.5
    assert parse_spec(1, "digital:fov=80").optics.vfov == 60  # 4:3 unless given


def test_pelco_d() -> None:
    spec = parse_spec(2, "pelco-d:/dev/ttyUSB0,address=7,baud=9600,rate=25")
    assert (spec.kind, spec.device, spec.address, spec.baud, spec.rate) == (
        DriverKind.PELCO_D,
        "/dev/ttyUSB0",
        7,
        9600,
        25,
    )
    assert parse_spec(1, "pelco-d:/dev/ttyS0").text == "pelco-d:/dev/ttyS0,address=1,baud=2400"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frob", "PTZ driver 'frob' for camera 1: one of digital, pelco-d"),
        ("pelco-d", "needs a serial device"),
        ("pelco-d:address=1", "needs a serial device"),
        ("pelco-d:/dev/ttyUSB0,address=0", "address='0': expected a number from 1 to 255"),
        ("pelco-d:/dev/ttyUSB0,address=1.5", "address is 1-255"),
        ("pelco-d:/dev/ttyUSB0,baud=3000", "baud one of"),
        ("digital:fov=0", "fov='0': expected a number from 1 to 180"),
        ("digital:fov=nan", "fov='nan'"),
        ("digital:maxzoom=abc", "maxzoom='abc'"),
        ("digital:address=1", "PTZ option 'address=1' for camera 1: one of fov, vfov"),
        ("digital:fov", "PTZ option 'fov'"),
    ],
)
def test_bad_specs(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message.replace("(", r"\(").replace("?", r"\?")):
        parse_spec(1, text)


def test_a_camera_the_unit_does_not_have() -> None:
    with pytest.raises(InvalidParameter, match="PTZ driver for camera 3: there are 2 cameras"):
        parse_specs({3: "digital"}, 2)
    assert set(parse_specs({2: "digital", 1: "digital"}, 2)) == {1, 2}


async def test_flags_and_toml(processes: list[Process], tmp_path: Path) -> None:
    proc = await serve(
        processes, tmp_path / "a", "--root-password", "pw1", "--cameras", "2", "--ptz", "2=digital"
    )
    path = "/axis-cgi/param.cgi?action=list&group=Properties.PTZ"
    status, body = await request_with(proc.port, path, "root", "pw1")
    assert (status, body) == (200, b"Properties.PTZ.PTZ=yes\nProperties.PTZ.DigitalPTZ=yes\n")
    status, body = await request_with(proc.port, "/com/ptz.cgi?camera=2&pan=5", "root", "pw1")
    assert status == 204
    assert (await proc.stop())[0] == 0
    config = tmp_path / "ipcamd.toml"
    config.write_text('[video]\nptz = { 1 = "digital:fov=80" }\n')
    proc = await serve(processes, tmp_path / "b", "--root-password", "pw1", "--config", str(config))
    status, body = await request_with(proc.port, "/com/ptz.cgi?query=limits", "root", "pw1")
    assert body.startswith(b"MinPan=-40\r\nMaxPan=40\r\n")
    assert (await proc.stop())[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ptz", "1=frob"], b"PTZ driver 'frob'"),
        (["--ptz", "2=digital"], b"PTZ driver for camera 2: there are 1 cameras"),
        (["--ptz", "digital"], b"--ptz expects N=DRIVER"),
    ],
)
async def test_bad_flags_exit_2(tmp_path: Path, args: list[str], message: bytes) -> None:
    proc = await spawn(
        "serve", "--data-dir", str(tmp_path / "data"), "--port", "0", "--rtsp-port", "0", *args
    )
    out, err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert proc.process.returncode == 2, err
    assert message in err
    assert b"Traceback" not in err
    assert out == b""


async def test_bad_toml_table_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "ipcamd.toml"
    config.write_text('ptz = { one = "digital" }\n')
    proc = await spawn("serve", "--config", str(config), "--data-dir", str(tmp_path / "data"))
    _, err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert proc.process.returncode == 2
    assert b"configuration key 'ptz' must be a table of camera numbers" in err
