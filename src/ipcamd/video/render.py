"""Rendering one frame for one stream profile: scale, rotate, mirror, draw the OSD.

Runs in the video thread pool, followed by the profile's encoder (``encoder.py``): numpy and
libjpeg-turbo (simplejpeg) release the GIL for the heavy parts, so several profiles render in
parallel while the event loop keeps moving bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ipcamd.video.frame import Picture, Planes
from ipcamd.video.imaging import at_size, contiguous, mirror, rotate
from ipcamd.video.osd import OsdSpec, TextPainter
from ipcamd.video.resolution import rotated


class Codec(StrEnum):
    """What a profile's encoder makes of its pictures (see ``encoder.py``)."""

    #: JPEG pictures: snapshots, MJPEG streams.
    JPEG = "jpeg"
    #: The raw luma plane: small grey pictures for analysis (the motion detector).
    GREY = "grey"
    #: H.264 access units (libx264 through PyAV, ``h264.py``): RTSP streams.
    H264 = "h264"


@dataclass(frozen=True, slots=True)
class RenderSpec:
    """Everything that decides a stream profile's frames: the key of a stream profile.

    ``width`` x ``height`` is the size before rotation (the resolution asked for). ``fps``
    chooses which source frames the profile encodes (0: every one); ``codec`` which encoder
    makes its frames; the rest decides their pictures. The camera's view window (digital
    PTZ, ``view.py``) is not part of it: a move changes the pictures, never the profiles.
    """

    camera: str
    width: int
    height: int
    compression: int
    rotation: int = 0
    mirror: bool = False
    osd: OsdSpec = field(default_factory=OsdSpec)
    fps: float = 0.0
    codec: Codec = Codec.JPEG
    #: Frames from one keyframe to the next for a codec with keyframes (0: its default).
    keyframe_interval: int = 0

    @property
    def output_size(self) -> tuple[int, int]:
        """The encoded picture's ``(width, height)``: rotation by 90 or 270 swaps them."""
        return rotated(self.width, self.height, self.rotation)

    def describe(self) -> str:
        """``camera 1 jpeg 640x480 compression 30 15 fps``, for logs and diagnostics."""
        words = [f"camera {self.camera}", str(self.codec), f"{self.width}x{self.height}"]
        if self.codec is Codec.JPEG:
            words.append(f"compression {self.compression}")
        if self.rotation:
            words.append(f"rotation {self.rotation}")
        if self.mirror:
            words.append("mirrored")
        if self.osd.visible:
            words.append("text")
        if self.fps:
            words.append(f"{self.fps:g} fps")
        if self.keyframe_interval:
            words.append(f"keyframe every {self.keyframe_interval}")
        return " ".join(words)

    @property
    def quality(self) -> int:
        """libjpeg quality from the spec's compression (0 = best quality, 100 = smallest)."""
        return max(1, min(100, 100 - self.compression))


def render_planes(
    planes: Picture,
    spec: RenderSpec,
    painter: TextPainter,
    when: float,
    over: Planes | None = None,
) -> Planes:
    """The picture of ``spec`` made from ``planes`` (which are never modified): drawn at the
    profile's size (a drawing: the test pattern; over ``over``, see ``Drawing.render``) or
    scaled to it from whatever size they have (the camera's view window), then turned,
    mirrored and written on; C-contiguous, as encoders need."""
    out = at_size(planes, spec.width, spec.height, over)
    out = rotate(out, spec.rotation)
    if spec.mirror:
        out = mirror(out)
    if spec.osd.visible:
        if out is planes:
            out = planes.copy()
        out = contiguous(out)
        bar = painter.draw_bar(out, spec.osd, when)
        if bar is not None:
            out = out.drawn_over(bar)  # a drawing's history says the bar was drawn over
    return contiguous(out)


class ProfileRenderer:
    """Renders one profile's frames in order (one at a time), drawing each over the last
    one when the profile's pictures are a drawing's own planes (no rotation, mirror or
    text bar after it): a test pattern frame then redraws only what changed.

    The planes it returns are drawn over by the next frame: whoever keeps them beyond the
    encode (a JPEG profile's encoder, to compare) must not trust their pixels later.
    """

    def __init__(self, spec: RenderSpec, painter: TextPainter) -> None:
        self.spec = spec
        self.painter = painter
        self._direct = spec.rotation // 90 % 4 == 0 and not spec.mirror and not spec.osd.visible
        self._last: Planes | None = None

    def render(self, planes: Picture, when: float) -> Planes:
        """The picture of this profile made from ``planes`` (``render_planes``)."""
        over, self._last = self._last, None  # given up even if drawing fails part-way
        out = render_planes(planes, self.spec, self.painter, when, over)
        if self._direct and out.drawn is not None:
            self._last = out
        return out
