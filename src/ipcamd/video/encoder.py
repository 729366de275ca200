"""Encoders: what a stream profile turns its rendered pictures into, one per profile.

A profile renders each frame it chooses (scale, rotate, mirror, OSD: ``render.py``) and hands
the planes to its encoder, in the video thread pool. The encoder's kind is part of the
profile's key (:attr:`RenderSpec.codec`), so viewers of one codec never share bytes with
another's. JPEG is stateless; a stateful codec (H.264 for RTSP and recordings) gets its
frames one at a time in frame order, and is asked for a keyframe whenever a consumer joins
its profile (:meth:`Encoder.request_keyframe`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Final

from ipcamd.video.frame import Planes
from ipcamd.video.jpeg_tiles import TileReusingJpeg
from ipcamd.video.mjpeg import multipart_part
from ipcamd.video.render import Codec, RenderSpec


@dataclass(frozen=True, slots=True)
class Encoded:
    """One encoded frame of a profile, shared by all its consumers.

    ``seq`` and ``time`` are those of the frame it was made from (its producer's numbering
    and capture time); ``data`` is the codec's bytes; ``part`` is the frame as a stream of
    this codec sends it over HTTP (empty when the codec has no stream form).
    """

    seq: int
    time: float
    data: bytes
    part: bytes = b""
    #: True when a decoder can start at this frame (every JPEG; an H.264 IDR frame).
    keyframe: bool = True


@dataclass(frozen=True, slots=True)
class JpegFrame(Encoded):
    """A JPEG profile's frame: ``data`` is the JPEG, ``part`` its multipart part (5.2.4.7)."""

    @property
    def jpeg(self) -> bytes:
        """The JPEG (what a snapshot sends)."""
        return self.data


class Encoder(ABC):
    """Turns rendered pictures into one codec's frames; one instance per stream profile.

    :meth:`encode` runs in the video thread pool and may block (codecs release the GIL). A
    profile calls it for one frame at a time, in frame order, so a stateful encoder needs no
    lock of its own.
    """

    codec: ClassVar[Codec]

    @abstractmethod
    def encode(self, planes: Planes, seq: int, when: float) -> Encoded:
        """The frame numbered ``seq``, captured at ``when``, from its rendered ``planes``
        (the profile may draw its next frame over them once this returns)."""

    @abstractmethod
    def request_keyframe(self) -> None:
        """Make the next frame one a new consumer can start from (called on the event loop)."""

    @abstractmethod
    def close(self) -> None:
        """Release the codec: the profile ended (its last consumer left)."""


class JpegEncoder(Encoder):
    """libjpeg-turbo (simplejpeg) straight from the I420 planes: 4:2:0, no colour conversion;
    only the tiles of MCUs that changed since the profile's last frame are encoded again
    (``jpeg_tiles.py``).

    With libjpeg-turbo's fast integer DCT: about a quarter less CPU per frame than the exact
    one (measured: docs/video.md, "Where the time goes"), for a difference of a grey level or
    so that no compression setting a camera offers shows.
    """

    codec = Codec.JPEG

    def __init__(self, quality: int) -> None:
        self.quality = quality
        self.tiles = TileReusingJpeg(quality)

    def encode(self, planes: Planes, seq: int, when: float) -> JpegFrame:
        """A JPEG of ``planes`` and its multipart part."""
        jpeg = self.tiles.encode(planes)
        return JpegFrame(seq, when, jpeg, multipart_part(jpeg))

    def request_keyframe(self) -> None:
        """Nothing to do: every JPEG stands alone."""

    def close(self) -> None:
        """Nothing to release: the last frame's tiles go with the encoder."""


class GreyEncoder(Encoder):
    """The luma plane as raw bytes (row after row): a small grey picture for analysis, such
    as the motion detector's, made on the same schedule and thread pool as every profile."""

    codec = Codec.GREY

    def encode(self, planes: Planes, seq: int, when: float) -> Encoded:
        """``planes.y`` as ``height * width`` bytes; no stream form."""
        return Encoded(seq, when, planes.y.tobytes())

    def request_keyframe(self) -> None:
        """Nothing to do: every picture stands alone."""

    def close(self) -> None:
        """Nothing to release."""


EncoderFactory = Callable[[RenderSpec], Encoder]


def _h264(spec: RenderSpec) -> Encoder:
    """libx264's encoder (imported here: ``h264.py`` builds on this module)."""
    from ipcamd.video.h264 import H264Encoder  # noqa: PLC0415 - h264.py imports Encoder

    return H264Encoder(spec)


#: The encoder a profile of each codec gets.
ENCODERS: Final[Mapping[Codec, EncoderFactory]] = MappingProxyType(
    {
        Codec.JPEG: lambda spec: JpegEncoder(spec.quality),
        Codec.GREY: lambda _spec: GreyEncoder(),
        Codec.H264: _h264,
    }
)
