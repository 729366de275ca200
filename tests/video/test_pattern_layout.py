"""The test pattern's text lines: each character's pixels made once per place, the last line
kept, and every line exactly what gathering its whole glyph mask gives."""

from __future__ import annotations

import numpy as np
import pytest

from ipcamd.video.osd import TextPainter
from ipcamd.video.sources.pattern_layout import BLACK_Y, TEXT_Y, WHOLE, layout_of

_LEVELS = np.array([BLACK_Y, TEXT_Y], np.uint8)


def _gathered(text: str, x: int, y: int, scale: int, size: tuple[int, int]) -> np.ndarray:
    """The line's glyph pixels the plain way: its whole mask, gathered through the layout."""
    line = layout_of(*size, WHOLE).text_line(x, y, scale, len(text))
    mask = TextPainter().mask(text)
    rows, cols = line.geometry.font_rows, line.geometry.font_cols
    return _LEVELS[mask[rows][:, cols].view(np.uint8)]


@pytest.mark.parametrize("size", [(640, 480), (1280, 960), (176, 144), (1920, 1080), (96, 72)])
def test_a_changing_line_always_shows_its_text(size: tuple[int, int]) -> None:
    layout = layout_of(*size, WHOLE)
    rng = np.random.default_rng(3)
    texts = [f"frame {n:08d}" for n in (0, 1, 2, 9, 10, 99, 100, 12345678, 12345678, 7)]
    texts += ["".join(chr(c) for c in rng.integers(32, 127, 14)) for _ in range(20)]
    texts += ["frame \u00e90000001"]  # outside the font: shown as "?"
    line = layout.text_line(48, 420, 8, 14)
    for text in texts:
        pixels = line.pixels(text)
        assert not pixels.flags.writeable
        np.testing.assert_array_equal(pixels, _gathered(text, 48, 420, 8, size), err_msg=text)


def test_a_line_is_kept_per_place_and_repeats_cost_nothing() -> None:
    layout = layout_of(640, 480, WHOLE)
    line = layout.text_line(48, 540, 6, 5)
    assert layout.text_line(48, 540, 6, 5) is line
    assert layout.text_line(48, 540, 6, 6) is not line
    first = line.pixels("12:00")
    assert line.pixels("12:00") is first  # the same text: the same pixels
    second = line.pixels("12:01")
    assert second is not first
    np.testing.assert_array_equal(first, _gathered("12:00", 48, 540, 6, (640, 480)))


def test_a_line_clipped_by_the_picture_edge() -> None:
    # A long line runs past the pattern's right edge: characters beyond it have no pixels.
    text = "x" * 60
    line = layout_of(320, 240, WHOLE).text_line(48, 300, 8, len(text))
    pixels = line.pixels(text)
    assert pixels.shape[1] < len(text) * 6 * 8 // 4
    np.testing.assert_array_equal(pixels, _gathered(text, 48, 300, 8, (320, 240)))
    np.testing.assert_array_equal(
        line.pixels("y" * 60), _gathered("y" * 60, 48, 300, 8, (320, 240))
    )
