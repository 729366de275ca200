"""A 5x7 bitmap font for ASCII 32-126, so the OSD needs no font files or imaging library.

Each glyph is seven rows, top first; each row a 5-bit number whose bit 4 is the leftmost pixel.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

GLYPH_WIDTH = 5
GLYPH_HEIGHT = 7
FIRST = 32

_ROWS = """
00 00 00 00 00 00 00|04 04 04 04 04 00 04|0A 0A 0A 00 00 00 00|0A 0A 1F 0A 1F 0A 0A
04 0F 14 0E 05 1E 04|18 19 02 04 08 13 03|0C 12 14 08 15 12 0D|0C 04 08 00 00 00 00
02 04 08 08 08 04 02|08 04 02 02 02 04 08|00 04 15 0E 15 04 00|00 04 04 1F 04 04 00
00 00 00 00 0C 04 08|00 00 00 1F 00 00 00|00 00 00 00 00 0C 0C|00 01 02 04 08 10 00
0E 11 13 15 19 11 0E|04 0C 04 04 04 04 0E|0E 11 01 02 04 08 1F|1F 02 04 02 01 11 0E
02 06 0A 12 1F 02 02|1F 10 1E 01 01 11 0E|06 08 10 1E 11 11 0E|1F 01 02 04 08 08 08
0E 11 11 0E 11 11 0E|0E 11 11 0F 01 02 0C|00 0C 0C 00 0C 0C 00|00 0C 0C 00 0C 04 08
02 04 08 10 08 04 02|00 00 1F 00 1F 00 00|08 04 02 01 02 04 08|0E 11 01 02 04 00 04
0E 11 01 0D 15 15 0E|0E 11 11 11 1F 11 11|1E 11 11 1E 11 11 1E|0E 11 10 10 10 11 0E
1C 12 11 11 11 12 1C|1F 10 10 1E 10 10 1F|1F 10 10 1E 10 10 10|0E 11 10 17 11 11 0F
11 11 11 1F 11 11 11|0E 04 04 04 04 04 0E|07 02 02 02 02 12 0C|11 12 14 18 14 12 11
10 10 10 10 10 10 1F|11 1B 15 15 11 11 11|11 11 19 15 13 11 11|0E 11 11 11 11 11 0E
1E 11 11 1E 10 10 10|0E 11 11 11 15 12 0D|1E 11 11 1E 14 12 11|0F 10 10 0E 01 01 1E
1F 04 04 04 04 04 04|11 11 11 11 11 11 0E|11 11 11 11 11 0A 04|11 11 11 15 15 15 0A
11 11 0A 04 0A 11 11|11 11 11 0A 04 04 04|1F 01 02 04 08 10 1F|0E 08 08 08 08 08 0E
00 10 08 04 02 01 00|0E 02 02 02 02 02 0E|04 0A 11 00 00 00 00|00 00 00 00 00 00 1F
08 04 02 00 00 00 00|00 00 0E 01 0F 11 0F|10 10 16 19 11 11 1E|00 00 0E 10 10 11 0E
01 01 0D 13 11 11 0F|00 00 0E 11 1F 10 0E|06 09 08 1C 08 08 08|00 0F 11 11 0F 01 0E
10 10 16 19 11 11 11|04 00 0C 04 04 04 0E|02 00 06 02 02 12 0C|10 10 12 14 18 14 12
0C 04 04 04 04 04 0E|00 00 1A 15 15 11 11|00 00 16 19 11 11 11|00 00 0E 11 11 11 0E
00 00 1E 11 1E 10 10|00 00 0D 13 0F 01 01|00 00 16 19 10 10 10|00 00 0E 10 0E 01 1E
08 08 1C 08 08 09 06|00 00 11 11 11 13 0D|00 00 11 11 11 0A 04|00 00 11 11 15 15 0A
00 00 11 0A 04 0A 11|00 00 11 11 0F 01 0E|00 00 1F 02 04 08 1F|02 04 04 08 04 04 02
04 04 04 04 04 04 04|08 04 04 02 04 04 08|00 00 08 15 02 00 00
"""


def build_glyphs() -> npt.NDArray[np.bool_]:
    """All glyphs as a ``(95, 7, 5)`` boolean array indexed by ``ord(char) - 32``."""
    glyphs = [g.split() for g in _ROWS.replace("\n", "|").split("|") if g.strip()]
    rows = np.array([[int(value, 16) for value in glyph] for glyph in glyphs], dtype=np.uint8)
    bits = np.array([1 << (GLYPH_WIDTH - 1 - i) for i in range(GLYPH_WIDTH)], dtype=np.uint8)
    glyph_bits: npt.NDArray[np.bool_] = (rows[:, :, None] & bits[None, None, :]) != 0
    return glyph_bits


#: A glyph cell: the glyph and the column that spaces it from the next character.
CELL_WIDTH = GLYPH_WIDTH + 1


def build_cells() -> npt.NDArray[np.bool_]:
    """All glyph cells as a ``(95, 7, 6)`` boolean array: each glyph and its spacing column
    (a line of text is its cells side by side)."""
    cells = np.zeros((95, GLYPH_HEIGHT, CELL_WIDTH), dtype=np.bool_)
    cells[:, :, :GLYPH_WIDTH] = build_glyphs()
    return cells


def glyph_indices(text: str) -> list[int]:
    """Glyph index of each character; anything outside printable ASCII shows as ``?``."""
    fallback = ord("?") - FIRST
    return [ord(c) - FIRST if FIRST <= ord(c) < FIRST + 95 else fallback for c in text]
