"""Video sources by URI: ``testpattern``, ``file:<path>``, ``rtsp://…``, ``http(s)://…``,
``v4l2:<device>``."""

from __future__ import annotations

from ipcamd.errors import InvalidParameter
from ipcamd.video.osd import TextPainter
from ipcamd.video.sources.base import Source
from ipcamd.video.sources.testpattern import TestPattern

TESTPATTERN = "testpattern"


def check_uri(uri: str) -> None:
    """Refuse a source URI no source understands (at start-up, before anything runs)."""
    if uri == TESTPATTERN:
        return
    schemes = ("file:", "v4l2:", "rtsp://", "http://", "https://")
    if uri.startswith(schemes) and uri.partition(":")[2].lstrip("/"):
        return
    raise InvalidParameter(
        f"unknown video source '{uri}' (testpattern, file:<path>, rtsp://…, http://…, "
        "v4l2:<device>)"
    )


def open_source(uri: str, camera: int, seed: int | None, painter: TextPainter) -> Source:
    """A new (unopened) source for ``uri``."""
    check_uri(uri)
    if uri == TESTPATTERN:
        return TestPattern(camera, seed, painter)
    # PyAV (and FFmpeg behind it) load only when a real source is used.
    from ipcamd.video.sources.av_source import AvSource

    if uri.startswith("file:"):
        return AvSource(uri[len("file:") :], loop=True, description=uri)
    if uri.startswith("v4l2:"):
        device = uri[len("v4l2:") :]
        if device.isdigit():
            device = f"/dev/video{device}"
        return AvSource(device, format_name="v4l2", description=uri)
    options = {"rtsp_transport": "tcp"} if uri.startswith("rtsp://") else {}
    return AvSource(uri, options=options, description=_redact(uri))


def _redact(uri: str) -> str:
    """``uri`` without a password, for logs."""
    scheme, sep, rest = uri.partition("://")
    credentials, at, host = rest.rpartition("@")
    if at and ":" in credentials:
        return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"
    return uri
