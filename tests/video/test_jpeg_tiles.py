"""JPEGs that re-encode only the tiles of MCUs that changed (``video/jpeg_tiles.py``).

A joined frame must decode to exactly the pixels of the same picture encoded whole, at every
size a profile serves (including heights and widths that are not multiples of 16), be a JPEG
strict decoders accept, and say its restart interval so RFC 2435 carries it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import simplejpeg

from ipcamd.rtsp.jpeg_rtp import MAX_SIDE, jpeg_payloads, parse_jpeg
from ipcamd.video.frame import Planes
from ipcamd.video.jpeg_tiles import (
    MAX_SKIP,
    TileGrid,
    TileReusingJpeg,
    changed_tiles,
    damaged_tiles,
    tile_mcus,
)
from ipcamd.video.osd import OsdSpec, Position, TextPainter
from ipcamd.video.render import RenderSpec, render_planes
from ipcamd.video.sources.testpattern import FPS, TestPattern
from tests.support import require_tool
from tests.video.scenes import SCROLLED, scripted_frames

QUALITY = 70


def noise(width: int, height: int, seed: int) -> Planes:
    rng = np.random.default_rng(seed)
    return Planes(
        rng.integers(0, 256, (height, width), np.uint8),
        rng.integers(0, 256, (height // 2, width // 2), np.uint8),
        rng.integers(0, 256, (height // 2, width // 2), np.uint8),
    )


def with_box(planes: Planes, top: int, bottom: int, left: int = 0, right: int = 32) -> Planes:
    """A copy of ``planes`` with rows ``top``-``bottom`` (columns ``left``-``right``) filled."""
    out = planes.copy()
    out.y[top:bottom, left:right] = 200
    out.u[top // 2 : bottom // 2, left // 2 : right // 2] = 60
    return out


def whole(planes: Planes) -> bytes:
    jpeg: bytes = simplejpeg.encode_jpeg_yuv_planes(
        planes.y, planes.u, planes.v, quality=QUALITY, fastdct=True
    )
    return jpeg


def pixels(jpeg: bytes) -> np.ndarray:
    return simplejpeg.decode_jpeg(jpeg, colorspace="RGB", fastdct=False, fastupsample=False)


@pytest.mark.parametrize(
    ("width", "height"),
    [(640, 480), (160, 120), (176, 144), (1920, 1080), (120, 160), (1080, 1920), (720, 576)],
)
def test_a_joined_frame_decodes_to_the_pixels_of_the_whole_encode(width: int, height: int) -> None:
    encoder = TileReusingJpeg(QUALITY)
    base = noise(width, height, 1)
    frames = [
        base,
        with_box(base, 20, 40),  # tiles of rows 1-2 change: the tiles start being kept
        with_box(base, 20, 40, 64, 96),  # the same rows, moved across
        with_box(base, height - 6, height),  # the last (possibly partial) row only
        with_box(base, height - 6, height),  # nothing changes
    ]
    joined = [encoder.encode(frame) for frame in frames]
    assert encoder.whole_frames == 1  # only the first
    for frame, jpeg in zip(frames, joined, strict=True):
        assert np.array_equal(pixels(jpeg), pixels(whole(frame)))
        assert simplejpeg.decode_jpeg_header(jpeg)[:2] == (height, width)
    grid = TileGrid.of(width, height)
    first, second, third = (0, 20, 32, 40), (64, 20, 96, 40), (0, height - 6, 32, height)
    # Every tile once for the first kept frame; then only what changed (the box's tiles and
    # the tiles it left); nothing for a repeated picture.
    changed = grid.reached((first, second)) + grid.reached((second, third))
    assert encoder.tiles_encoded == grid.tiles + len(changed)
    assert joined[4] == joined[3]
    scan = parse_jpeg(joined[4])
    assert scan.restart_interval == tile_mcus(width)
    # A marker after every tile but the last (entropy-coded data never holds 0xFF then a
    # non-zero byte: every such pair is a marker).
    markers = sum(scan.scan.count(bytes((0xFF, 0xD0 + n))) for n in range(8))
    assert markers == grid.tiles - 1
    if max(width, height) <= MAX_SIDE:
        # RTP (RFC 2435) says so: type 1 + 64, and a restart marker header of one tile.
        first_payload = jpeg_payloads(scan)[0]
        assert first_payload[4] == 65
        assert first_payload[8:10] == tile_mcus(width).to_bytes(2, "big")


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (640, 8),
        (1280, 16),
        (1920, 24),
        (3840, 48),
        (720, 9),
        (800, 10),
        (320, 10),
        (176, 11),
        (1080, 17),
    ],
)
def test_a_tile_is_about_a_fifth_of_a_row(width: int, expected: int) -> None:
    assert tile_mcus(width) == expected


def test_every_width_has_whole_tiles_in_a_row() -> None:
    for width in range(2, 4098, 2):
        across = -(-width // 16)
        mcus = tile_mcus(width)
        assert across % mcus == 0, width
        # At least 64 pixels and at most 10 a row, or a whole row when no divisor of the
        # MCUs across fits (a prime number of them).
        assert mcus == across or (mcus >= 4 and across // mcus <= 10), width


def test_ffmpeg_reads_a_joined_frame_without_a_complaint(tmp_path: Path) -> None:
    ffmpeg = require_tool("ffmpeg")
    encoder = TileReusingJpeg(QUALITY)
    base = noise(1280, 720, 2)
    encoder.encode(base)
    jpeg = encoder.encode(with_box(base, 100, 140))
    assert parse_jpeg(jpeg).restart_interval
    path = tmp_path / "joined.jpg"
    path.write_bytes(jpeg)
    done = subprocess.run(
        [ffmpeg, "-v", "warning", "-xerror", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("size", "samples"),
    [
        # 5 tiles of 128 across, 22.5 rows of MCUs: the last one half.
        (
            (640, 360),
            [
                ("y", (17, 5), 5),
                ("y", (17, 128), 6),
                ("u", (100, 300), 12 * 5 + 4),
                ("v", (179, 0), 22 * 5),  # the last chroma row: in the half row of MCUs
                ("y", (359, 639), 22 * 5 + 4),
            ],
        ),
        # 4 tiles of 272 across, the last one 264 pixels (chroma: 540 wide, compared by 4 bytes).
        ((1080, 1920), [("y", (0, 1079), 3), ("u", (959, 539), 119 * 4 + 3), ("v", (8, 31), 4)]),
        # One tile across; chroma 60 wide.
        ((120, 160), [("u", (79, 59), 9), ("y", (0, 0), 0)]),
    ],
)
def test_changed_tiles_sees_a_single_sample_in_any_plane(
    size: tuple[int, int], samples: list[tuple[str, tuple[int, int], int]]
) -> None:
    base = noise(*size, 3)
    assert not changed_tiles(base, base.copy()).any()
    assert changed_tiles(base, base).shape == (TileGrid.of(*size).tiles,)
    for plane, (row, col), expected in samples:
        changed = base.copy()
        getattr(changed, plane)[row, col] ^= 1
        assert np.flatnonzero(changed_tiles(base, changed)).tolist() == [expected], plane


def test_a_picture_that_changes_everywhere_is_encoded_whole_and_compared_less_often() -> None:
    encoder = TileReusingJpeg(QUALITY)
    frames = [noise(320, 240, seed) for seed in range(200)]
    for frame in frames:
        assert np.array_equal(pixels(encoder.encode(frame)), pixels(whole(frame)))
    assert encoder.tiles_encoded == 0
    assert encoder.whole_frames == len(frames)
    # Compared after 1, 2, 4… frames, then every MAX_SKIP + 1: a moving scene pays little.
    assert 5 <= encoder.compared <= 6 + len(frames) // (MAX_SKIP + 1), encoder.compared
    # Once it holds still it is kept in tiles again, at most MAX_SKIP frames later.
    still = frames[-1]
    for _ in range(MAX_SKIP + 1):
        encoder.encode(still)
    assert encoder.tiles_encoded == 30  # every tile of the first kept frame: 2 x 15
    before = encoder.compared
    for _ in range(3):
        assert np.array_equal(pixels(encoder.encode(still)), pixels(whole(still)))
    assert encoder.compared == before + 3  # compared at every frame again
    assert encoder.tiles_encoded == 30  # and nothing changed


def test_a_new_size_starts_again() -> None:
    encoder = TileReusingJpeg(QUALITY)
    small, large = noise(320, 240, 4), noise(640, 480, 5)
    for frame in (small, small, large, large, large):
        jpeg = encoder.encode(frame)
        assert np.array_equal(pixels(jpeg), pixels(whole(frame)))
    assert simplejpeg.decode_jpeg_header(jpeg)[:2] == (480, 640)
    assert encoder.whole_frames == 2  # the first of each size


@pytest.mark.parametrize("size", [(640, 480), (1280, 1024), (1920, 1080)])
def test_the_test_pattern_re_encodes_only_its_moving_tiles(size: tuple[int, int]) -> None:
    width, height = size
    pattern = TestPattern(1, 42, TextPainter())
    pattern.open()
    encoder = TileReusingJpeg(QUALITY)
    frames = [pattern.make().render(width, height) for _ in range(31)]
    for frame in frames:
        encoder.encode(frame)
    tiles = TileGrid.of(width, height).tiles
    kept = encoder.tiles_encoded - tiles  # after the first kept frame
    per_frame = kept / (len(frames) - 2)
    # The box, the counter's and the clock's last digits: a few tiles of a few rows (whole
    # rows of MCUs would be a third of the picture).
    assert 0 < per_frame < tiles / 8, per_frame


@pytest.mark.parametrize(
    ("size", "osd", "window"),
    [
        ((640, 480), OsdSpec(), None),
        ((1920, 1080), OsdSpec(date=True, clock=True), None),
        ((176, 144), OsdSpec(clock=True, position=Position.BOTTOM), (0.25, 0.3, 0.5, 0.5)),
    ],
)
def test_the_pattern_names_every_tile_it_changes(
    size: tuple[int, int], osd: OsdSpec, window: tuple[float, float, float, float] | None
) -> None:
    """The tiles a pattern frame says it changed include every tile that differs, through a
    script's changes, a view window and the OSD; joined frames stay exact throughout."""
    width, height = size
    painter = TextPainter()
    spec = RenderSpec("1", width, height, 30, osd=osd)
    encoder = TileReusingJpeg(QUALITY)
    previous: Planes | None = None
    vouched = 0
    for number, frame in scripted_frames(75, painter, window):
        planes = render_planes(frame, spec, painter, 1e9 + number / FPS)
        if previous is not None:
            named = damaged_tiles(previous, planes, TileGrid.of(width, height))
            if number in SCROLLED:
                assert named is None, number  # the bars scroll: everything may change
            else:
                assert named is not None, number
                vouched += 1
                changed = np.flatnonzero(changed_tiles(previous, planes)).tolist()
                missed = set(changed) - set(named)
                assert not missed, (number, sorted(missed))
        jpeg = encoder.encode(planes)
        assert np.array_equal(pixels(jpeg), pixels(whole(planes))), number
        previous = planes
    assert vouched == 74 - len(SCROLLED)
    assert encoder.compared < 12  # only while the bars scrolled, and less often then


def test_a_failed_tile_starts_again_from_a_whole_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = TileReusingJpeg(QUALITY)
    base = noise(320, 240, 6)
    encoder.encode(base)
    encoder.encode(with_box(base, 20, 40))  # kept in tiles from here
    real = simplejpeg.encode_jpeg_yuv_planes
    calls = 0

    def failing(*args: object, **kwargs: object) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("encoder failure")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(simplejpeg, "encode_jpeg_yuv_planes", failing)
    changed = with_box(with_box(base, 100, 120), 200, 230)  # five tiles: the second one fails
    with pytest.raises(RuntimeError):
        encoder.encode(changed)
    monkeypatch.setattr(simplejpeg, "encode_jpeg_yuv_planes", real)
    whole_before = encoder.whole_frames
    for frame in (changed, with_box(base, 20, 40)):
        assert np.array_equal(pixels(encoder.encode(frame)), pixels(whole(frame)))
    assert encoder.whole_frames == whole_before + 1


def test_planes_drawn_over_in_place_without_damage_are_encoded_whole() -> None:
    # A profile draws its next frame over the planes the encoder kept (ProfileRenderer): when
    # that frame says nothing of what it changed, there is nothing to compare with.
    encoder = TileReusingJpeg(QUALITY)
    first = noise(320, 240, 8)
    encoder.encode(first)
    encoder.encode(first)  # kept in tiles from here
    first.y[100:120, :40] = 250  # drawn over in place
    over = Planes(first.y, first.u, first.v)
    assert np.array_equal(pixels(encoder.encode(over)), pixels(whole(over)))
