"""Video sources by URI: ``testpattern``, ``file:<path>``, ``rtsp://…``, ``http(s)://…``,
``v4l2:<device>[?size=WxH&fps=N&format=F]``."""

from __future__ import annotations

from ipcamd.video.osd import TextPainter
from ipcamd.video.sources.base import Source
from ipcamd.video.sources.inputs import av_input
from ipcamd.video.sources.scripted import Scene
from ipcamd.video.sources.testpattern import TestPattern

TESTPATTERN = "testpattern"


def check_uri(uri: str) -> None:
    """Refuse a source URI no source understands (at start-up, before anything runs)."""
    if uri != TESTPATTERN:
        av_input(uri)


def open_source(
    uri: str, camera: int, seed: int | None, painter: TextPainter, scene: Scene | None = None
) -> Source:
    """A new (unopened) source for ``uri`` (a test pattern shows what ``scene`` scripts)."""
    if uri == TESTPATTERN:
        return TestPattern(camera, seed, painter, scene)
    # PyAV (and FFmpeg behind it) load only when a real source is used.
    from ipcamd.video.sources.av_source import AvSource  # noqa: PLC0415

    return AvSource(av_input(uri))
