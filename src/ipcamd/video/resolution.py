"""Image sizes by the names the spec lists (5.2.4.2), and rotation's effect on them.

The spec groups names that mean one size on one line, and its own example (5.2.1) answers
``resolution=QCIF`` with 160x120, so QQVGA = QCIF = 160x120 and QVGA = CIF = 320x240.
4CIF is the PAL 704x576 and D1 the PAL 720x576 (see docs/decisions.md). Next to them the unit
serves the sizes of today's cameras, up to 4K UHD (``params.types.RESOLUTIONS``), for every
source: the test pattern draws each natively, and a file or RTSP source smaller than the size
asked for is scaled up (docs/decisions.md, "Modern resolutions").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ipcamd.errors import InvalidParameter
from ipcamd.params.types import RESOLUTIONS

SIZES: Final[Mapping[str, tuple[int, int]]] = MappingProxyType(
    {
        "3840x2160": (3840, 2160),
        "2560x1440": (2560, 1440),
        "1920x1080": (1920, 1080),
        "1280x1024": (1280, 1024),
        "1280x960": (1280, 960),
        "1280x720": (1280, 720),
        "1024x768": (1024, 768),
        "4CIF": (704, 576),
        "D1": (720, 576),
        "VGA": (640, 480),
        "640x480": (640, 480),
        "QVGA": (320, 240),
        "CIF": (320, 240),
        "320x240": (320, 240),
        "QQVGA": (160, 120),
        "QCIF": (160, 120),
        "160x120": (160, 120),
    }
)

ROTATIONS = (0, 90, 180, 270)


def size_of(name: str) -> tuple[int, int]:
    """``(width, height)`` of a resolution name the unit serves."""
    try:
        return SIZES[name]
    except KeyError as err:
        raise InvalidParameter(
            f"Invalid resolution '{name}' (one of {', '.join(RESOLUTIONS)})"
        ) from err


def rotated(width: int, height: int, rotation: int) -> tuple[int, int]:
    """The size after rotating by ``rotation`` degrees: 90 and 270 swap width and height."""
    return (height, width) if rotation in (90, 270) else (width, height)
