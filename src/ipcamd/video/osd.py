"""On-screen display: text drawn straight into I420 planes with numpy and the built-in font."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from ipcamd.video.font import CELL_WIDTH, GLYPH_HEIGHT, build_cells, glyph_indices
from ipcamd.video.frame import Box, Planes

#: Pixels around the text inside its bar, in font pixels.
_PAD = 1
_CELL_H = GLYPH_HEIGHT + 2 * _PAD
_WHITE, _BLACK = 235, 16


class Position(StrEnum):
    """Where the text bar goes (``Image.I<n>.Text.Position``)."""

    TOP = "top"
    BOTTOM = "bottom"


class Background(StrEnum):
    """What is under the text (``Image.I<n>.Text.BGColor``)."""

    BLACK = "black"
    WHITE = "white"
    TRANSPARENT = "transparent"
    SEMITRANSPARENT = "semitransparent"


#: Turns a host timestamp (``time.time()``, a frame's ``time``) into the local time to show.
#: The device passes its clock here (offset set by date.cgi, ``Time.POSIXTimeZone``); the
#: video package itself knows nothing of how the device keeps time.
LocalTime = Callable[[float], datetime]


def host_local_time(when: float) -> datetime:
    """The host's own local time: what a video service without a device clock shows."""
    return datetime.fromtimestamp(when).astimezone()


DATE_FORMATS: Final[Mapping[str, str]] = MappingProxyType(
    {"YYYY-MM-DD": "%Y-%m-%d", "DD/MM/YYYY": "%d/%m/%Y", "MM/DD/YYYY": "%m/%d/%Y"}
)


@dataclass(frozen=True, slots=True)
class OsdSpec:
    """What the text bar shows and how (the ``Image.I<n>.Text.*`` parameters, or request args)."""

    date: bool = False
    clock: bool = False
    text: bool = False
    string: str = ""
    position: Position = Position.TOP
    color: str = "white"
    background: Background = Background.BLACK
    date_format: str = "YYYY-MM-DD"
    time_format: str = "24"

    @property
    def visible(self) -> bool:
        """False when there is nothing to draw, so the picture is left untouched."""
        return self.date or self.clock or (self.text and bool(self.string))

    def line(self, local: datetime) -> str:
        """The text of the bar at local time ``local`` (date, clock, then the string)."""
        parts = []
        if self.date:
            parts.append(local.strftime(DATE_FORMATS.get(self.date_format, "%Y-%m-%d")))
        if self.clock:
            parts.append(local.strftime("%H:%M:%S" if self.time_format == "24" else "%I:%M:%S %p"))
        if self.text and self.string:
            parts.append(self.string)
        return " ".join(parts)


class TextPainter:
    """Draws lines of text; holds the glyph table so it is built once per service, and the
    ``local_time`` every time drawn on a picture (OSD, test pattern) is shown in."""

    def __init__(self, local_time: LocalTime = host_local_time) -> None:
        cells = build_cells()
        #: Glyph cells (the glyph and its spacing column) already scaled, per scale: a line
        #: of text is then one gather, never a per-frame scaling. Filled as scales are used
        #: (a few); a race between pool threads only builds one twice.
        self._cells: dict[int, npt.NDArray[np.bool_]] = {1: cells}
        self.local_time = local_time
        #: The last second :meth:`stamp` converted: its first host microsecond, its text.
        self._second: tuple[int, str] | None = None

    def stamp(self, when: float) -> str:
        """Host time ``when`` as local ``YYYY-MM-DD HH:MM:SS.mmm`` (the test pattern's clock).

        ``local_time`` is asked once per second shown, not once per frame (the device clock's
        conversion costs tens of µs when run once a frame): a change of the device's clock or
        time zone shows from the next second on.
        """
        micros = round(when * 1_000_000)
        second = self._second
        if second is None or not 0 <= micros - second[0] < 1_000_000:
            t = self.local_time(when)
            # Field by field: strftime costs tens of µs when run once a frame.
            text = (
                f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
            )
            second = self._second = (micros - t.microsecond, text)
        return f"{second[1]}.{(micros - second[0]) // 1000:03d}"

    def _scaled_cells(self, scale: int) -> npt.NDArray[np.bool_]:
        cells = self._cells.get(scale)
        if cells is None:
            cells = np.repeat(np.repeat(self._cells[1], scale, axis=1), scale, axis=2)
            self._cells[scale] = cells
        return cells

    def mask(self, text: str, scale: int = 1) -> npt.NDArray[np.bool_]:
        """A boolean mask of ``text``: one row of glyph cells (each glyph and the column that
        spaces it from the next), each font pixel ``scale`` pixels."""
        glyphs = self._scaled_cells(scale)[glyph_indices(text)]  # (n, 7s, 6s)
        return glyphs.transpose(1, 0, 2).reshape(glyphs.shape[1], -1)

    def draw(
        self,
        planes: Planes,
        text: str,
        x: int,
        y: int,
        *,
        scale: int,
        color: int = _WHITE,
        background: Background | None = None,
    ) -> None:
        """Draw ``text`` with its top-left corner at ``(x, y)``, clipped to the picture."""
        if not text or scale < 1:
            return
        mask = self.mask(text, scale)
        pad = _PAD * scale
        top, left = max(0, y), max(0, x)
        bottom = min(planes.height, y + mask.shape[0] + 2 * pad)
        right = min(planes.width, x + mask.shape[1] + pad)
        if bottom <= top or right <= left:
            return
        if background is not None:
            _fill_background(planes, (left, top, right, bottom), background)
        # The glyph area starts one pad below the bar's top edge.
        gy, gx = y + pad, x + pad
        g_top, g_left = max(0, gy), max(0, gx)
        g_bottom = min(planes.height, gy + mask.shape[0])
        g_right = min(planes.width, gx + mask.shape[1])
        if g_bottom <= g_top or g_right <= g_left:
            return
        clipped = mask[g_top - gy : g_bottom - gy, g_left - gx : g_right - gx]
        np.copyto(planes.y[g_top:g_bottom, g_left:g_right], color, where=clipped)

    def draw_bar(self, planes: Planes, spec: OsdSpec, when: float) -> Box | None:
        """Draw the OSD bar of ``spec`` (at host time ``when``) across the top or bottom: the
        rectangle it drew over (even bounds, as a picture's damage has them), or None when
        there is nothing to draw."""
        if not spec.visible:
            return None
        text = spec.line(self.local_time(when))
        scale = max(1, planes.height // 240)
        # Shrink the font rather than cut the text when the picture is narrow.
        while scale > 1 and (len(text) * CELL_WIDTH + 2 * _PAD) * scale > planes.width:
            scale -= 1
        bar_h = _CELL_H * scale
        y = 0 if spec.position is Position.TOP else planes.height - bar_h
        background = spec.background
        if background in (Background.BLACK, Background.WHITE, Background.SEMITRANSPARENT):
            _fill_background(planes, (0, y, planes.width, y + bar_h), background)
        color = _WHITE if spec.color == "white" else _BLACK
        self.draw(planes, text, 0, y, scale=scale, color=color)
        return 0, max(0, y) & ~1, planes.width, (min(planes.height, y + bar_h) + 1) & ~1


def _fill_background(
    planes: Planes, box: tuple[int, int, int, int], background: Background
) -> None:
    left, top, right, bottom = box
    region = planes.y[top:bottom, left:right]
    if background is Background.BLACK:
        region[...] = _BLACK
    elif background is Background.WHITE:
        region[...] = _WHITE
    elif background is Background.SEMITRANSPARENT:
        region >>= 1
    else:
        return
    c_top, c_bottom = top // 2, (bottom + 1) // 2
    c_left, c_right = left // 2, (right + 1) // 2
    if background is Background.SEMITRANSPARENT:
        for plane in (planes.u, planes.v):
            chroma = plane[c_top:c_bottom, c_left:c_right]
            chroma[...] = (chroma >> 1) + 64
    else:
        planes.u[c_top:c_bottom, c_left:c_right] = 128
        planes.v[c_top:c_bottom, c_left:c_right] = 128
