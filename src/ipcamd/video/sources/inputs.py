"""What FFmpeg is asked to open for a ``file:``, ``rtsp://``, ``http(s)://`` or ``v4l2:`` URI.

Pure (no FFmpeg here), so the options every kind of input gets are checked at start-up and
tested without a device or a network feed. Every network input has a socket timeout, so a feed
that goes silent fails a read instead of holding the camera's reader thread forever.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qsl

from ipcamd.errors import InvalidParameter
from ipcamd.urls import redact

#: Seconds allowed to open an input (FFmpeg's open, then its stream probe, each get this long),
#: and to wait for the next packet of an open one.
OPEN_TIMEOUT, READ_TIMEOUT = 10.0, 5.0

#: ``v4l2:`` URI query keys → FFmpeg v4l2 demuxer options, and what each value must look like.
V4L2_OPTIONS: Final[Mapping[str, tuple[str, re.Pattern[str]]]] = MappingProxyType(
    {
        "size": ("video_size", re.compile(r"[1-9]\d{0,4}x[1-9]\d{0,4}")),
        "fps": ("framerate", re.compile(r"[1-9]\d{0,5}(/[1-9]\d{0,5})?")),
        "format": ("input_format", re.compile(r"[a-z0-9_]{1,32}")),
    }
)


@dataclass(frozen=True)
class AvInput:
    """One FFmpeg input: URL, demuxer name and options, and how it is read."""

    url: str
    #: What logs call it (a URL's password is masked).
    description: str
    format_name: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    #: A file starts again at its end and paces itself; a live input does neither.
    loop: bool = False
    open_timeout: float = OPEN_TIMEOUT
    read_timeout: float = READ_TIMEOUT


def av_input(uri: str) -> AvInput:
    """The input for a ``file:``, ``rtsp://``, ``http(s)://`` or ``v4l2:`` URI.

    ``v4l2:/dev/video0?size=640x480&fps=15&format=mjpeg`` asks the webcam for a size, a frame
    rate and a pixel format or codec (each optional); ``v4l2:0`` is ``/dev/video0``. Raises
    InvalidParameter for anything else.
    """
    micros = str(int(READ_TIMEOUT * 1_000_000))
    if uri.startswith("file:") and len(uri) > len("file:"):
        return _input(uri[len("file:") :], uri, loop=True)
    if uri.startswith("v4l2:"):
        device, options = _v4l2(uri[len("v4l2:") :])
        return _input(device, uri, format_name="v4l2", options=options)
    if uri.startswith("rtsp://") and len(uri) > len("rtsp://"):
        # TCP: interleaved RTP survives NAT and firewalls and loses no packets. "timeout" is
        # the RTSP socket I/O timeout (microseconds). The frame rate is not probed: a live feed
        # paces itself, and the probe would hold the open for about 20 frames.
        options = {"rtsp_transport": "tcp", "timeout": micros, "fpsprobesize": "0"}
        return _input(uri, redact(uri), options=options)
    if uri.startswith(("http://", "https://")) and uri.partition("://")[2]:
        return _input(uri, redact(uri), options={"rw_timeout": micros})
    raise InvalidParameter(
        f"unknown video source '{redact(uri)}' (testpattern, file:<path>, rtsp://…, "
        "http://…, v4l2:<device>)"
    )


def _input(
    url: str,
    description: str,
    *,
    format_name: str | None = None,
    options: dict[str, str] | None = None,
    loop: bool = False,
) -> AvInput:
    """An AvInput with the timeouts in force now (tests shorten them)."""
    return AvInput(url, description, format_name, options or {}, loop, OPEN_TIMEOUT, READ_TIMEOUT)


def _v4l2(spec: str) -> tuple[str, dict[str, str]]:
    """``/dev/video0?size=640x480`` → ``("/dev/video0", {"video_size": "640x480"})``."""
    device, _, query = spec.partition("?")
    if device.isdigit():
        device = f"/dev/video{device}"
    if not device:
        raise InvalidParameter("v4l2: needs a device, e.g. v4l2:/dev/video0 or v4l2:0")
    options = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in V4L2_OPTIONS:
            raise InvalidParameter(f"v4l2: unknown option '{key}' (size, fps, format)")
        name, pattern = V4L2_OPTIONS[key]
        if not pattern.fullmatch(value):
            raise InvalidParameter(f"v4l2: invalid {key} '{value}'")
        options[name] = value
    return device, options
