"""Geometry on I420 pictures: scaling, rotation, mirroring, tiling. Pure numpy, no state.

Scaling is nearest-neighbour with ``np.take`` (a tight C loop that does not hold the GIL for
long): cheap enough to run per profile per frame, and sharp for the test pattern's text.
"""

from __future__ import annotations

import numpy as np

from ipcamd.video.frame import Drawing, Picture, Plane, Planes


def _resize_plane(plane: Plane, width: int, height: int) -> Plane:
    h, w = plane.shape
    if (w, h) == (width, height):
        return plane
    rows = np.arange(height, dtype=np.intp) * h // height
    cols = np.arange(width, dtype=np.intp) * w // width
    scaled: Plane = np.take(np.take(plane, rows, axis=0), cols, axis=1)
    return scaled


def resize(planes: Planes, width: int, height: int) -> Planes:
    """``planes`` scaled to ``width`` x ``height`` (both even); the same object when no change."""
    if (planes.width, planes.height) == (width, height):
        return planes
    return Planes(
        _resize_plane(planes.y, width, height),
        _resize_plane(planes.u, width // 2, height // 2),
        _resize_plane(planes.v, width // 2, height // 2),
    )


def at_size(picture: Picture, width: int, height: int, over: Planes | None = None) -> Planes:
    """``picture`` at ``width`` x ``height``: a drawing is drawn at that size (new planes, or
    over ``over``: ``Drawing.render``), pixels are scaled (the same object when they have
    that size already)."""
    if isinstance(picture, Drawing):
        return picture.render(width, height, over)
    return resize(picture, width, height)


def rotate(planes: Planes, degrees: int) -> Planes:
    """``planes`` turned clockwise by 0, 90, 180 or 270 degrees (views, not copies)."""
    turns = -(degrees // 90) % 4
    if turns == 0:
        return planes
    return Planes(np.rot90(planes.y, turns), np.rot90(planes.u, turns), np.rot90(planes.v, turns))


def mirror(planes: Planes) -> Planes:
    """``planes`` flipped left to right (views)."""
    return Planes(planes.y[:, ::-1], planes.u[:, ::-1], planes.v[:, ::-1])


def contiguous(planes: Planes) -> Planes:
    """C-contiguous planes (what the encoder and the OSD need); the same object when they
    are already."""
    if planes.y.flags.c_contiguous and planes.u.flags.c_contiguous and planes.v.flags.c_contiguous:
        return planes
    return Planes(
        np.ascontiguousarray(planes.y),
        np.ascontiguousarray(planes.u),
        np.ascontiguousarray(planes.v),
    )


def tile(pictures: list[Picture | None], width: int, height: int) -> Planes:
    """Four pictures in a 2x2 grid of ``width`` x ``height`` (row-major; None stays black)."""
    out = Planes(
        np.full((height, width), 16, np.uint8),
        np.full((height // 2, width // 2), 128, np.uint8),
        np.full((height // 2, width // 2), 128, np.uint8),
    )
    # Tiles of even size keep the chroma planes aligned.
    tw, th = (width // 2) & ~1, (height // 2) & ~1
    for index, picture in enumerate(pictures[:4]):
        if picture is None:
            continue
        x, y = (index % 2) * tw, (index // 2) * th
        small = at_size(picture, tw, th)
        out.y[y : y + th, x : x + tw] = small.y
        out.u[y // 2 : (y + th) // 2, x // 2 : (x + tw) // 2] = small.u
        out.v[y // 2 : (y + th) // 2, x // 2 : (x + tw) // 2] = small.v
    return out
