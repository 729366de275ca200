"""Frames: planar YUV 4:2:0 pictures, the one format every stage of the pipeline shares.

I420 is what decoders give and what libjpeg-turbo encodes without a colour conversion, and its
chroma planes are a quarter of the luma, so copies and scaling stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Plane = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Planes:
    """One picture: luma ``y`` (h, w) and chroma ``u``, ``v`` (h/2, w/2); width and height even."""

    y: Plane
    u: Plane
    v: Plane

    @property
    def width(self) -> int:
        """Pixels across, from the luma plane (chroma planes are half as wide)."""
        return int(self.y.shape[1])

    @property
    def height(self) -> int:
        """Pixel rows, from the luma plane (chroma planes are half as high)."""
        return int(self.y.shape[0])

    def copy(self) -> Planes:
        """A writable copy (frames are shared between profiles and never modified in place)."""
        return Planes(self.y.copy(), self.u.copy(), self.v.copy())


@dataclass(frozen=True, slots=True)
class Frame:
    """A picture a camera published: ``seq`` grows by one per frame, ``time`` is wall-clock."""

    planes: Planes
    seq: int
    time: float


def solid(width: int, height: int, y: int, u: int = 128, v: int = 128) -> Planes:
    """A picture of one colour."""
    return Planes(
        np.full((height, width), y, np.uint8),
        np.full((height // 2, width // 2), u, np.uint8),
        np.full((height // 2, width // 2), v, np.uint8),
    )
