"""Frames: planar YUV 4:2:0 pictures, the one format every stage of the pipeline shares.

I420 is what decoders give and what libjpeg-turbo encodes without a colour conversion, and its
chroma planes are a quarter of the luma, so copies and scaling stay cheap.

A source that computes its pictures (the test pattern) publishes a :class:`Drawing` instead:
a frame that each profile draws at its own size (and through the view window), so nothing is
drawn large to be scaled down afterwards.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

Plane = npt.NDArray[np.uint8]


#: A rectangle of luma pixels ``(left, top, right, bottom)``, right and bottom exclusive.
Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Damage:
    """Where a picture may differ from an earlier picture of the same size, when what drew
    both knows it (the test pattern does): ``since`` is the earlier picture's
    :attr:`Planes.drawn`, ``boxes`` the luma rectangles that may differ, chroma included
    (even bounds: a chroma sample lies wholly inside or outside). An encoder that still holds
    that picture need not compare the two (``jpeg_tiles.py``)."""

    since: Hashable
    boxes: tuple[Box, ...]


@dataclass(frozen=True, slots=True)
class Planes:
    """One picture: luma ``y`` (h, w) and chroma ``u``, ``v`` (h/2, w/2); width and height even.

    ``drawn`` and ``damage`` are set by a drawing (``Drawing.render``) and kept only by what
    leaves the pixels as drawn or says what it changed; every stage that makes new planes
    drops them, so a picture nobody vouches for is compared, never trusted.
    """

    y: Plane
    u: Plane
    v: Plane
    #: What drew these pixels (a token a later picture's :class:`Damage` may name), or None.
    drawn: Hashable | None = None
    #: How these pixels differ from an earlier picture, or None: unknown.
    damage: Damage | None = None

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

    def drawn_over(self, box: Box) -> Planes:
        """These planes after ``box`` was drawn over in place: the same token and one more
        damaged rectangle, or no history if they had none."""
        if self.damage is None:
            return self
        damage = Damage(self.damage.since, (*self.damage.boxes, box))
        return Planes(self.y, self.u, self.v, self.drawn, damage)


class Drawing(ABC):
    """One frame of a computed source, drawn on demand at whatever size is asked for.

    Immutable once published: several profiles draw it at once on pool threads. ``width`` x
    ``height`` is its own (native) size, what a consumer gets that asks no size.
    """

    width: int
    height: int

    @abstractmethod
    def render(self, width: int, height: int, over: Planes | None = None) -> Planes:
        """Planes of ``width`` x ``height`` (even) that the caller owns and may write on.

        ``over`` may be the caller's own planes of an earlier frame of the same source at
        this size, which it no longer needs: a drawing that knows what changed since them
        may draw just that over them, in place, and return them (with its ``drawn`` and
        ``damage``); any other drawing makes new planes.
        """

    @abstractmethod
    def cropped(self, left: float, top: float, width: float, height: float) -> Drawing:
        """The part inside a rectangle given in fractions of this drawing (the view window),
        as a drawing of its own: drawn at any size, it fills the whole picture."""


#: What a producer publishes: pixels, or a drawing each profile draws at its size.
Picture: TypeAlias = Planes | Drawing


@dataclass(frozen=True, slots=True)
class Frame:
    """A picture a camera published: ``seq`` grows by one per frame, ``time`` is wall-clock."""

    planes: Picture
    seq: int
    time: float


def solid(width: int, height: int, y: int, u: int = 128, v: int = 128) -> Planes:
    """A picture of one colour."""
    return Planes(
        np.full((height, width), y, np.uint8),
        np.full((height // 2, width // 2), u, np.uint8),
        np.full((height // 2, width // 2), v, np.uint8),
    )
