"""V4L2 webcams as far as a machine without one allows: FFmpeg's v4l2 demuxer really runs and
fails on a missing device, on a file that is no capture device and on one the user may not
open; the camera stays up with ``no video``. (No v4l2loopback module can be loaded here.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ipcamd.errors import IpcamdError, SourceUnavailable
from ipcamd.video.sources.av_source import AvSource
from ipcamd.video.sources.inputs import av_input
from tests.support import Camera

NOBODY = 65534


def open_error(uri: str) -> str:
    """Why opening ``uri`` failed (SourceUnavailable's message)."""
    source = AvSource(av_input(uri))
    try:
        with pytest.raises(SourceUnavailable) as info:
            source.open()
    finally:
        source.close()
    return str(info.value)


def open_error_as_nobody(uri: str) -> str:
    """:func:`open_error` in a child process that dropped root (root may open anything)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery, only the call and its outcome
        message = "opened"
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            AvSource(av_input(uri)).open()
        except SourceUnavailable as err:
            message = str(err)
        finally:
            os.write(write_end, message.encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return message


def test_missing_device() -> None:
    message = open_error("v4l2:/dev/video-none?size=640x480&fps=15")
    assert message.startswith("v4l2:/dev/video-none?size=640x480&fps=15: ")
    assert "No such file or directory" in message


def test_not_a_capture_device() -> None:
    # FFmpeg opens it and asks for the V4L2 capabilities (VIDIOC_QUERYCAP): ENOTTY.
    message = open_error("v4l2:/dev/null")
    assert "Inappropriate ioctl for device" in message


def test_device_the_user_may_not_open(tmp_path: Path) -> None:
    device = tmp_path / "video0"
    device.write_bytes(b"")
    device.chmod(0)
    uri = f"v4l2:{device}?format=mjpeg"
    message = open_error_as_nobody(uri) if os.geteuid() == 0 else open_error(uri)
    assert message.startswith(f"{uri}: ")
    assert "Permission denied" in message


async def test_a_camera_with_no_webcam_stays_up(camera_factory: Any) -> None:
    cam: Camera = await camera_factory(
        cameras=2, sources={1: "v4l2:/dev/null", 2: "v4l2:/dev/video-none?size=320x240"}
    )
    status = await cam.get("/videostatus.cgi?status=1,2")
    assert status.text == "Video 1 = no video\nVideo 2 = no video\n"
    for number in (1, 2):
        assert (await cam.get(f"/jpg/{number}/image.jpg")).status == 200


async def test_bad_webcam_options_stop_the_start(camera_factory: Any) -> None:
    with pytest.raises(IpcamdError, match="unknown option 'zoom'"):
        await camera_factory(sources={1: "v4l2:0?zoom=2"})
