"""The test pattern is a drawing: each profile draws it natively at its own size and through
the view window, never scaled, and always the same for one seed and frame number."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from itertools import pairwise

import numpy as np
import pytest

from ipcamd.video.camera import Camera
from ipcamd.video.frame import Drawing, Planes, solid
from ipcamd.video.imaging import at_size, tile
from ipcamd.video.osd import Background, OsdSpec, TextPainter
from ipcamd.video.render import ProfileRenderer, RenderSpec, render_planes
from ipcamd.video.sources.base import ComputedSource
from ipcamd.video.sources.scripted import ObjectMode, ObjectScript, Scene
from ipcamd.video.sources.testpattern import FPS, HEIGHT, WIDTH, TestPattern
from tests.video.scenes import SCROLLED, scripted_frames
from tests.video.streams import wait_until


def fixed_painter() -> TextPainter:
    """A painter whose clock always says the same time (the stamp is the only varying text)."""
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    return TextPainter(lambda _when: moment)


def doubled(planes: Planes) -> Planes:
    """``planes`` scaled up two times by repeating pixels."""

    def twice(plane: np.ndarray) -> np.ndarray:
        return np.repeat(np.repeat(plane, 2, axis=0), 2, axis=1)

    return Planes(twice(planes.y), twice(planes.u), twice(planes.v))


def same(a: Planes, b: Planes) -> bool:
    return all(np.array_equal(p, q) for p, q in zip((a.y, a.u, a.v), (b.y, b.u, b.v), strict=True))


@pytest.mark.parametrize(
    "size", [(160, 120), (640, 480), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160)]
)
def test_a_frame_is_drawn_at_every_size(size: tuple[int, int]) -> None:
    frame = TestPattern(1, 7, fixed_painter()).picture(12, 0.0)
    assert isinstance(frame, Drawing)
    planes = frame.render(*size)
    width, height = size
    assert planes.y.shape == (height, width)
    assert planes.u.shape == planes.v.shape == (height // 2, width // 2)
    assert all(p.flags.c_contiguous and p.flags.writeable for p in (planes.y, planes.u, planes.v))
    # Eight bars across the whole width: at least eight grey levels along the top row.
    assert len(np.unique(planes.y[0])) >= 8
    # The text is drawn (white glyphs on black bars) at every size, even the smallest.
    assert (planes.y == 235).any()
    assert (planes.y == 16).any()


def test_twice_the_size_is_the_same_drawing_pixel_for_pixel() -> None:
    """Drawn natively, a frame at 2x its size is its native picture with each pixel doubled:
    the bars, box and glyphs land on the same places (nothing blurred, nothing shifted)."""
    frame = TestPattern(1, 7, fixed_painter()).picture(33, 0.0)
    assert same(frame.render(2 * WIDTH, 2 * HEIGHT), doubled(frame.render(WIDTH, HEIGHT)))
    # Drawn smaller, each pixel shows the pattern pixel under its centre: every other one.
    assert np.array_equal(frame.render(640, 480).y, frame.render(WIDTH, HEIGHT).y[1::2, 1::2])


def test_a_window_is_drawn_natively_too() -> None:
    """The view window's part of a frame, drawn at the full size, is the middle of the frame
    drawn at twice the size: a digital zoom draws more detail instead of repeating pixels."""
    frame = TestPattern(1, 7, fixed_painter()).picture(33, 0.0)
    zoomed = frame.cropped(0.25, 0.25, 0.5, 0.5)
    assert (zoomed.width, zoomed.height) == (WIDTH // 2, HEIGHT // 2)
    big = frame.render(2 * WIDTH, 2 * HEIGHT)
    window = zoomed.render(WIDTH, HEIGHT)
    middle = (slice(HEIGHT // 2, 3 * HEIGHT // 2), slice(WIDTH // 2, 3 * WIDTH // 2))
    assert np.array_equal(window.y, big.y[middle])
    # A window of a window is the window of the composed fractions.
    twice = zoomed.cropped(0.5, 0.5, 0.5, 0.5)
    assert twice.window == pytest.approx((0.5, 0.5, 0.25, 0.25))


def test_every_drawing_is_new_planes_the_caller_owns() -> None:
    frame = TestPattern(1, 7, fixed_painter()).picture(5, 0.0)
    first = frame.render(640, 480)
    first.y[...] = 0
    second = frame.render(640, 480)
    assert second.y is not first.y
    assert (second.y != 0).any()


def test_one_seed_draws_the_same_frames_and_frames_differ() -> None:
    a = TestPattern(1, 42, fixed_painter())
    b = TestPattern(1, 42, fixed_painter())
    for number in (0, 1, 29, 300):
        assert same(
            a.picture(number, 0.0).render(640, 480), b.picture(number, 0.0).render(640, 480)
        )
    pictures = [a.picture(n, 0.0).render(320, 240) for n in range(5)]
    assert all(not same(p, q) for p, q in pairwise(pictures))
    other = TestPattern(1, 43, fixed_painter()).picture(0, 0.0).render(640, 480)
    assert not same(other, a.picture(0, 0.0).render(640, 480))


def test_a_scripted_object_is_drawn_at_each_size() -> None:
    scene = Scene(FPS)
    scene.update(
        script=ObjectScript(ObjectMode.STILL, size=(2500, 2500), position=(5000, 5000), luma=77)
    )
    pattern = TestPattern(1, 7, fixed_painter(), scene)
    frame = pattern.picture(0, 0.0)
    for width, height in ((640, 480), (1920, 1080)):
        planes = frame.render(width, height)
        # The object covers the middle of the bottom-right quarter (5000-7499 units).
        centre = planes.y[height * 5 // 8 : height * 6 // 8, width * 5 // 8 : width * 6 // 8]
        assert (centre == 77).all()


def test_profiles_quad_tiles_and_grey_pictures_draw_the_frame_at_their_size() -> None:
    painter = fixed_painter()
    frame = TestPattern(1, 7, painter).picture(3, 0.0)
    spec = RenderSpec("1", 1920, 1080, 30, rotation=90, mirror=True)
    rendered = render_planes(frame, spec, painter, 0.0)
    assert rendered.y.shape == (1920, 1080)
    drawn = frame.render(1920, 1080)
    assert np.array_equal(rendered.y, np.rot90(drawn.y, -1)[:, ::-1])
    assert np.array_equal(at_size(frame, 320, 240).y, frame.render(320, 240).y)
    quad = tile([frame, None, None, frame], 1280, 960)
    assert np.array_equal(quad.y[:480, :640], frame.render(640, 480).y)
    assert np.array_equal(quad.y[480:, 640:], frame.render(640, 480).y)
    assert (quad.y[:480, 640:] == 16).all()


class Flaky(ComputedSource):
    """A computed source whose second picture fails."""

    fps = 100.0

    def __init__(self) -> None:
        self.made = self.opened = self.closed = 0

    def open(self) -> None:
        self.opened += 1

    def close(self) -> None:
        self.closed += 1

    def read(self) -> Planes:
        return self.make()

    def make(self) -> Planes:
        self.made += 1
        if self.made == 2:
            raise RuntimeError("a bug")
        return solid(64, 48, self.made)


async def test_a_computed_source_runs_on_the_loop_and_outlives_a_failure() -> None:
    source = Flaky()
    camera = Camera(1, lambda: source, TextPainter(), linger=0.0)
    shown: list[object] = []
    camera.add_listener(lambda: shown.append(camera.latest.planes if camera.latest else None))
    threads = threading.active_count()
    camera.attach("test")
    await wait_until(lambda: source.made >= 4)
    assert threading.active_count() == threads  # no reader thread
    assert shown[1] is camera.no_video_picture()  # the failure shows "no video"
    assert [p.y[0, 0] for p in shown[2:4] if isinstance(p, Planes)] == [3, 4]  # and it goes on
    camera.detach("test")
    await wait_until(lambda: not camera.running)
    assert (source.opened, source.closed) == (1, 1)  # halted: its timer is cancelled
    camera.close()


@pytest.mark.parametrize(
    ("size", "window"),
    [
        ((640, 480), None),
        ((1280, 1024), None),
        ((176, 144), (0.25, 0.3, 0.5, 0.5)),
        ((98, 74), None),
    ],
)
def test_a_frame_drawn_over_the_last_one_is_the_frame_drawn_anew(
    size: tuple[int, int], window: tuple[float, float, float, float] | None
) -> None:
    """A profile draws each pattern frame over its last one, only where it changed: through
    a script's changes, scrolling bars and a view window, the pixels are those of the frame
    drawn on new planes, and the last planes are reused whenever the frame says what changed."""
    width, height = size
    painter = TextPainter()
    renderer = ProfileRenderer(RenderSpec("1", width, height, 30), painter)
    previous: Planes | None = None
    reused = 0
    for number, frame in scripted_frames(80, painter, window):
        drawn = renderer.render(frame, 1e9 + number / FPS)
        anew = frame.render(width, height)
        for plane, expected in zip((drawn.y, drawn.u, drawn.v), (anew.y, anew.u, anew.v)):
            np.testing.assert_array_equal(plane, expected, err_msg=str(number))
        if previous is not None and drawn.y is previous.y:
            reused += 1
        previous = drawn
    assert reused == 79 - len(SCROLLED)  # not while the bars scroll


def test_a_profile_with_a_text_bar_or_a_turn_draws_every_frame_anew() -> None:
    painter = TextPainter()
    for spec in (
        RenderSpec(
            "1", 320, 240, 30, osd=OsdSpec(clock=True, background=Background.SEMITRANSPARENT)
        ),
        RenderSpec("1", 320, 240, 30, rotation=180),
        RenderSpec("1", 320, 240, 30, mirror=True),
    ):
        pattern = TestPattern(1, 42, painter)
        pattern.open()
        renderer = ProfileRenderer(spec, painter)
        pictures = [renderer.render(pattern.make(), 1e9 + n / FPS) for n in range(4)]
        assert len({id(picture.y) for picture in pictures}) == 4, spec
        last = pattern.make()
        np.testing.assert_array_equal(
            renderer.render(last, 2e9).y, render_planes(last, spec, painter, 2e9).y
        )


@pytest.mark.parametrize("size", [(640, 480), (1920, 1080), (98, 74)])
def test_only_the_characters_that_change_are_drawn_and_named(size: tuple[int, int]) -> None:
    """The counter's and the clock's last digits are redrawn alone; a counter that gains a
    digit (its bar grows) is redrawn whole; and the damage names all of it."""
    width, height = size
    pattern = TestPattern(1, 42, TextPainter())
    pattern.open()
    renderer = ProfileRenderer(RenderSpec("1", width, height, 30), pattern._painter)
    previous = None
    moments = [(99_999_998, 0.0), (99_999_999, 0.033), (100_000_000, 0.066), (100_000_001, 1.1)]
    for number, offset in moments:
        frame = pattern.picture(number, 1e9 + offset)
        drawn = renderer.render(frame, 0.0)
        anew = frame.render(width, height)
        for plane, expected in zip((drawn.y, drawn.u, drawn.v), (anew.y, anew.u, anew.v)):
            np.testing.assert_array_equal(plane, expected, err_msg=str(number))
        if previous is not None:
            assert drawn.y is previous[0]  # drawn over the last frame
            differs = np.argwhere(previous[1] != drawn.y)
            assert drawn.damage is not None
            for row, col in differs:
                assert any(
                    x0 <= col < x1 and y0 <= row < y1 for x0, y0, x1, y1 in drawn.damage.boxes
                ), (number, row, col)
        previous = (drawn.y, drawn.y.copy())
    assert frame.since is not None
