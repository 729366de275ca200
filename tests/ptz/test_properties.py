"""``Properties.PTZ.*`` and the ``PTZ`` group say exactly what the cameras' drivers serve."""

from __future__ import annotations

from tests.conftest import CameraFactory
from tests.support import Camera, assert_text

LIST = "/axis-cgi/param.cgi?action=list&group="


async def test_no_driver_no_ptz(camera: Camera) -> None:
    assert_text(
        await camera.get(f"{LIST}Properties.PTZ"),
        "Properties.PTZ.PTZ=no\nProperties.PTZ.DigitalPTZ=no\n",
    )
    reply = await camera.get(f"{LIST}Properties.API.PTZ")
    assert reply.text == "# Error: Error -1 getting param in group 'Properties.API.PTZ'\n"
    reply = await camera.get(f"{LIST}PTZ")
    for group in ("Limit", "Support", "Various"):
        assert f"PTZ.{group}." not in reply.text
    assert "PTZ.ImageSource.I0.PTZEnabled=false\n" in reply.text
    assert "PTZ.NbrOfSerPorts=0\n" in reply.text


async def test_digital(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(ptz={1: "digital"})
    assert_text(
        await camera.get(f"{LIST}Properties.PTZ"),
        "Properties.PTZ.PTZ=yes\nProperties.PTZ.DigitalPTZ=yes\n",
    )
    assert_text(
        await camera.get(f"{LIST}Properties.API.PTZ"), "Properties.API.PTZ.Presets.Version=1.00\n"
    )
    properties = (await camera.get(f"{LIST}Properties")).text.splitlines()
    assert properties.index("Properties.API.PTZ.Presets.Version=1.00") < properties.index(
        "Properties.Audio.Audio=yes"
    )
    assert_text(
        await camera.get(f"{LIST}PTZ.Limit"),
        "PTZ.Limit.L1.MaxPan=30\nPTZ.Limit.L1.MinPan=-30\nPTZ.Limit.L1.MaxTilt=22.5\n"
        "PTZ.Limit.L1.MinTilt=-22.5\nPTZ.Limit.L1.MaxZoom=9999\nPTZ.Limit.L1.MinZoom=1\n"
        "PTZ.Limit.L1.MaxFieldAngle=60\nPTZ.Limit.L1.MinFieldAngle=15\n",
    )
    support = dict(
        line.split("=") for line in (await camera.get(f"{LIST}PTZ.Support.S1")).text.splitlines()
    )
    yes = {
        name.removeprefix("PTZ.Support.S1.") for name, value in support.items() if value == "true"
    }
    assert yes == {
        "AbsolutePan",
        "AbsoluteTilt",
        "AbsoluteZoom",
        "AreaZoom",
        "ContinuousPan",
        "ContinuousTilt",
        "ContinuousZoom",
        "DigitalZoom",
        "RelativePan",
        "RelativeTilt",
        "RelativeZoom",
        "ServerPreset",
    }
    assert len(support) == 35


async def test_pelco_d_only(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=2, ptz={2: "pelco-d:/dev/ttyIPCAMD-none"})
    assert_text(
        await camera.get(f"{LIST}Properties.PTZ"),
        "Properties.PTZ.PTZ=yes\nProperties.PTZ.DigitalPTZ=no\n",
    )
    reply = await camera.get(f"{LIST}PTZ")
    assert "PTZ.NbrOfSerPorts=1\n" in reply.text
    assert "PTZ.CamPorts.Cam1Port=0\nPTZ.CamPorts.Cam2Port=1\n" in reply.text
    assert "PTZ.Support.S1." not in reply.text
    for name in ("ContinuousFocus", "DevicePreset", "OSDMenu", "SpeedCtl", "AutoIris"):
        assert f"PTZ.Support.S2.{name}=true\n" in reply.text
    assert "PTZ.Support.S2.DigitalZoom=false\n" in reply.text
    assert "PTZ.Limit.L2.MaxPan=180\n" in reply.text
