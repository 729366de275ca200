"""Rendering one frame for one stream profile: scale, rotate, mirror, draw the OSD, encode.

Runs in the video thread pool: numpy and libjpeg-turbo (simplejpeg) release the GIL for the
heavy parts, so several profiles encode in parallel while the event loop keeps moving bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import simplejpeg

from ipcamd.video.frame import Frame, Planes
from ipcamd.video.imaging import contiguous, mirror, resize, rotate
from ipcamd.video.osd import OsdSpec, TextPainter
from ipcamd.video.resolution import rotated


@dataclass(frozen=True, slots=True)
class RenderSpec:
    """Everything that decides a stream profile's frames: the key of a stream profile.

    ``width`` x ``height`` is the size before rotation (the resolution asked for). ``fps``
    chooses which source frames the profile encodes (0: every one); the rest decides their
    bytes.
    """

    camera: str
    width: int
    height: int
    compression: int
    rotation: int = 0
    mirror: bool = False
    osd: OsdSpec = field(default_factory=OsdSpec)
    fps: float = 0.0

    @property
    def output_size(self) -> tuple[int, int]:
        """The encoded picture's ``(width, height)``: rotation by 90 or 270 swaps them."""
        return rotated(self.width, self.height, self.rotation)

    @property
    def quality(self) -> int:
        """libjpeg quality from the spec's compression (0 = best quality, 100 = smallest)."""
        return max(1, min(100, 100 - self.compression))


def render_planes(planes: Planes, spec: RenderSpec, painter: TextPainter, when: float) -> Planes:
    """The picture of ``spec`` made from ``planes`` (which are never modified)."""
    out = resize(planes, spec.width, spec.height)
    out = rotate(out, spec.rotation)
    if spec.mirror:
        out = mirror(out)
    if spec.osd.visible:
        if out is planes:
            out = planes.copy()
        out = contiguous(out)
        painter.draw_bar(out, spec.osd, when)
    return contiguous(out)


def render_jpeg(frame: Frame, spec: RenderSpec, painter: TextPainter) -> bytes:
    """Encode ``frame`` as ``spec`` asks (4:2:0 JPEG straight from the I420 planes)."""
    out = render_planes(frame.planes, spec, painter, frame.time)
    data: bytes = simplejpeg.encode_jpeg_yuv_planes(out.y, out.u, out.v, quality=spec.quality)
    return data
