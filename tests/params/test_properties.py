"""``Properties`` says what this unit serves and nothing more (honest capability flags).

A unit without a PTZ driver serves no PTZ: its flags say ``no`` (the keys stay: clients such
as the ``axis`` library need them) and the lines that describe the PTZ preset API are absent.
Every other family lists what it serves.
"""

from __future__ import annotations

from ipcamd.params.types import SPEC_RESOLUTIONS
from tests.conftest import CameraFactory
from tests.support import Camera, assert_text


def properties_listing(camera: Camera) -> str:
    identity = camera.device.identity
    lines = [
        "Properties.API.HTTP.Version=3",
        "Properties.API.HTTP.AdminPath=/",
        "Properties.API.Metadata.Metadata=yes",
        "Properties.API.Metadata.Version=1.0",
        "Properties.API.RTSP.Version=1.0",
        "Properties.API.RTSP.RTSPAuth=yes",
        "Properties.Audio.Audio=yes",
        "Properties.Audio.Format=g711,g726",
        "Properties.Audio.DuplexMode=full,half,post,get",
        "Properties.Audio.Decoder.Format=g711,g726",
        *(
            line
            for i in range(identity.cameras)
            for line in (
                f"Properties.Audio.Source.A{i}.Input=yes",
                f"Properties.Audio.Source.A{i}.Output={'yes' if i == 0 else 'no'}",
            )
        ),
        "Properties.Firmware.BuildDate=Nov 26 2026 00:00",
        "Properties.Firmware.BuildNumber=1",
        f"Properties.Firmware.Version={identity.firmware_version}",
        "Properties.Image.Format=jpeg,mjpeg,h264",
        "Properties.Image.NbrOfViews=1",
        f"Properties.Image.Resolution={','.join(SPEC_RESOLUTIONS)}",
        "Properties.Image.Rotation=0,90,180,270",
        f"Properties.IO.Input={identity.io_inputs}",
        f"Properties.IO.Output={identity.io_outputs}",
        "Properties.LocalStorage.LocalStorage=yes",
        "Properties.LocalStorage.Version=1.00",
        "Properties.LocalStorage.SDCard=yes",
        "Properties.LocalStorage.ContinuousRecording=no",
        "Properties.LocalStorage.ExportRecording=yes",
        "Properties.Motion.Motion=yes",
        "Properties.Motion.MaxNbrOfWindows=10",
        "Properties.PTZ.PTZ=no",
        "Properties.PTZ.DigitalPTZ=no",
        "Properties.System.Architecture=python",
        "Properties.System.HardwareID=1A0",
        "Properties.System.Language=English",
        f"Properties.System.SerialNumber={identity.serial_number}",
        f"Properties.Video.NbrOfInputs={identity.cameras}",
        "Properties.VirtualInput.VirtualInput=yes",
    ]
    return "".join(f"{line}\n" for line in lines)


async def test_properties_claim_only_what_is_served(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Properties")
    assert_text(reply, properties_listing(camera))


async def test_properties_of_a_video_server(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=4)
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Properties")
    assert_text(reply, properties_listing(camera))
    assert "Properties.Video.NbrOfInputs=4\n" in reply.text


async def test_the_rtsp_port_is_a_parameter(camera: Camera) -> None:
    """The RTSP front end serves the metadata stream and declares its port (0 = off)."""
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Network.RTSP")
    assert_text(reply, "Network.RTSP.Port=554\n")
    reply = await camera.get("/axis-cgi/param.cgi?action=update&Network.RTSP.Port=70000")
    assert reply.text.startswith("# Error: Error setting 'Network.RTSP.Port' to '70000'")
    reply = await camera.get("/axis-cgi/param.cgi?action=update&Network.RTSP.Port=0")
    assert_text(reply, "OK\r\n")


async def test_the_groups_of_unbuilt_families_stay_listed(camera: Camera) -> None:
    """Real devices and the ``axis`` library read these; the later issues rework them."""
    for group in ("PTZ", "IOPort", "Input", "Output", "Audio", "AudioSource", "Audiod", "Storage"):
        reply = await camera.get(f"/axis-cgi/param.cgi?action=list&group={group}")
        assert reply.status == 200
        lines = reply.text.splitlines()
        assert lines
        assert all(line.startswith(group + ".") for line in lines), group
