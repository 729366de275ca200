"""Spec 5.1.13 setosd.cgi, and the OSD text drawn on the frames."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import simplejpeg

from ipcamd.video.font import build_glyphs, glyph_indices
from ipcamd.video.frame import solid
from ipcamd.video.osd import OsdSpec, Position, TextPainter
from ipcamd.video.sources.testpattern import HEIGHT, WIDTH, TestPattern
from tests.support import Camera


def top_band_luma(jpeg: bytes) -> float:
    """Mean brightness of the top 6 rows (where a top OSD bar is drawn)."""
    pixels = simplejpeg.decode_jpeg(jpeg, colorspace="GRAY")
    return float(pixels[:6].mean())


async def settings(camera: Camera) -> str:
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Image.I0.Text")
    return reply.text


async def test_setosd_without_commit_draws_but_does_not_persist(
    camera_factory: Any, tmp_path: Path
) -> None:
    data = tmp_path / "unit"
    cam: Camera = await camera_factory(data_dir=data, seed=1)
    before = await cam.get("/jpg/image.jpg?resolution=QVGA")
    reply = await cam.get("/setosd.cgi?DateEnabled=yes&ClockEnabled=yes&Commit=no")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.body == b"OK\r\n"
    after = await cam.get("/jpg/image.jpg?resolution=QVGA")
    # The black OSD bar darkens the top of the picture (the test pattern's top is colour bars).
    assert top_band_luma(after.body) < top_band_luma(before.body) - 20
    assert "Image.I0.Text.DateEnabled=no\n" in await settings(cam)
    await cam.server.stop()
    again: Camera = await camera_factory(data_dir=data, seed=1)
    restarted = await again.get("/jpg/image.jpg?resolution=QVGA")
    assert top_band_luma(restarted.body) > top_band_luma(after.body) + 20


async def test_setosd_commit_persists(camera_factory: Any, tmp_path: Path) -> None:
    data = tmp_path / "unit"
    cam: Camera = await camera_factory(data_dir=data, cameras=2)
    reply = await cam.post(
        "/axis-cgi/setosd.cgi",
        data="Commit=yes&TextEnabled=yes&String=Lobby%20door",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.body == b"OK\r\n"
    text = await settings(cam)
    assert "Image.I0.Text.TextEnabled=yes\n" in text
    assert "Image.I0.Text.String=Lobby door\n" in text
    second = await cam.get("/param.cgi?action=list&group=Image.I1.Text.String")
    assert second.text == "Image.I1.Text.String=Lobby door\n"
    await cam.server.stop()
    again: Camera = await camera_factory(data_dir=data, cameras=2)
    assert "Image.I0.Text.String=Lobby door\n" in await settings(again)


@pytest.mark.parametrize(
    "query",
    [
        "DateEnabled=maybe",
        "Commit=perhaps&DateEnabled=yes",
        "Colour=red",
        "String=%0Ainjected",
        "String=" + "x" * 65,
        "Commit=yes",
        "",
    ],
)
async def test_setosd_refuses_bad_arguments_and_changes_nothing(camera: Camera, query: str) -> None:
    before = await settings(camera)
    reply = await camera.get(f"/setosd.cgi?{query}")
    assert reply.status == 400
    assert reply.text.count("\n") == 1
    assert await settings(camera) == before
    assert camera.device.video.setting("1", "Text.DateEnabled") == "no"


async def test_setosd_needs_an_operator(camera: Camera) -> None:
    await camera.add_user("watcher", "secret1", "axview")
    reply = await camera.get("/setosd.cgi?DateEnabled=yes", user="watcher", password="secret1")
    assert reply.status == 401
    await camera.add_user("oper", "secret2", "axoper:axview")
    reply = await camera.get("/setosd.cgi?DateEnabled=yes", user="oper", password="secret2")
    assert reply.body == b"OK\r\n"


async def test_param_update_replaces_an_uncommitted_osd_change(camera: Camera) -> None:
    await camera.get("/setosd.cgi?ClockEnabled=yes")
    assert camera.device.video.setting("1", "Text.ClockEnabled") == "yes"
    await camera.get("/param.cgi?action=update&Image.I0.Text.ClockEnabled=no")
    assert camera.device.video.setting("1", "Text.ClockEnabled") == "no"


async def test_request_arguments_draw_text(camera: Camera) -> None:
    plain = await camera.get("/jpg/image.jpg?resolution=QVGA&textpos=bottom")
    texted = await camera.get(
        "/jpg/image.jpg?resolution=QVGA&text=1&textstring=Gate&textpos=top&textbackgroundcolor=black"
    )
    assert top_band_luma(texted.body) < top_band_luma(plain.body) - 20


def test_osd_line_formats() -> None:
    when = datetime(2024, 2, 29, 13, 5, 9, tzinfo=UTC)
    spec = OsdSpec(date=True, clock=True, text=True, string="Gate")
    assert spec.line(when) == "2024-02-29 13:05:09 Gate"
    us = OsdSpec(date=True, clock=True, date_format="MM/DD/YYYY", time_format="12")
    assert us.line(when) == "02/29/2024 01:05:09 PM"
    assert not OsdSpec(text=True, string="").visible


def test_osd_line_shows_the_local_time_it_is_given() -> None:
    instant = datetime(2005, 4, 3, 22, 30, 0, tzinfo=UTC)
    spec = OsdSpec(date=True, clock=True)
    assert spec.line(instant) == "2005-04-03 22:30:00"
    east = instant.astimezone(timezone(timedelta(hours=5)))
    assert spec.line(east) == "2005-04-04 03:30:00"


def text_agreement(
    gray: npt.NDArray[np.uint8],
    painter: TextPainter,
    text: str,
    origin: tuple[int, int],
    scale: int,
) -> float:
    """Share of pixels in the glyph box at ``origin`` (x, y) that match ``text`` drawn there."""
    mask = painter.mask(text, scale)
    x, y = origin
    box = gray[y : y + mask.shape[0], x : x + mask.shape[1]]
    assert box.shape == mask.shape
    return float(((box > 128) == mask).mean())


def fixed_time(instant: datetime) -> Callable[[float], datetime]:
    return lambda _host_ts: instant


def test_bar_draws_the_painters_local_time() -> None:
    painter = TextPainter(fixed_time(datetime(2005, 4, 3, 12, 0, 0, tzinfo=UTC)))
    planes = solid(320, 240, 128)
    painter.draw_bar(planes, OsdSpec(date=True, clock=True), time.time())
    # Scale 1 at 240 lines: the glyphs start one pad (1 px) in from the bar's corner.
    assert text_agreement(planes.y, painter, "2005-04-03 12:00:00", (1, 1), 1) == 1.0
    assert text_agreement(planes.y, painter, "2005-04-03 12:00:01", (1, 1), 1) < 1.0


def test_test_pattern_stamp_is_in_device_time() -> None:
    device_time = datetime(2005, 4, 3, 12, 34, 56, 789000, tzinfo=UTC)
    painter = TextPainter(fixed_time(device_time))
    pattern = TestPattern(1, 7, painter)
    planes = pattern.picture(5, time.time()).render(WIDTH, HEIGHT)
    # Drawn at (48, 540) at scale 6: glyphs start one pad (6 px) further in.
    stamp = "2005-04-03 12:34:56.789"
    assert text_agreement(planes.y, painter, stamp, (54, 546), 6) == 1.0
    host = datetime.now().strftime("%Y-%m-%d")
    assert text_agreement(planes.y, painter, host + " 12:34:56.789", (54, 546), 6) < 0.99


async def test_date_cgi_and_time_zone_change_what_is_drawn(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/date.cgi?action=set&year=2005&month=4&day=3&hour=12")
    assert reply.text == "OK\r\n"
    video = camera.device.video
    assert video.osd_line("1", {"date": "1"}) == "2005-04-03"
    assert video.osd_line("1", {"date": "1", "clock": "1"}).startswith("2005-04-03 12:")
    # The picture itself: the date bar of a 640x480 snapshot (scale 2, glyphs at (2, 2)).
    snapshot = await camera.get("/jpg/image.jpg?resolution=640x480&compression=0&date=1")
    gray = simplejpeg.decode_jpeg(snapshot.body, colorspace="GRAY")[:, :, 0]
    painter = video.painter
    assert text_agreement(gray, painter, "2005-04-03", (2, 2), 2) > 0.99
    host_date = datetime.now().strftime("%Y-%m-%d")
    assert text_agreement(gray, painter, host_date, (2, 2), 2) < 0.99
    # A time zone 5 hours east of GMT moves the clock drawn (and here not the date).
    update = "/axis-cgi/param.cgi?action=update&Time.POSIXTimeZone=XST-5"
    assert (await camera.get(update)).text == "OK\r\n"
    assert video.osd_line("1", {"date": "1", "clock": "1"}).startswith("2005-04-03 17:")


def test_font_covers_printable_ascii() -> None:
    glyphs = build_glyphs()
    assert glyphs.shape == (95, 7, 5)
    assert not glyphs[0].any()  # space
    assert all(glyphs[i].any() for i in range(1, 95))
    assert len({glyphs[i].tobytes() for i in range(95)}) == 95
    assert glyph_indices("é") == glyph_indices("?")


def test_bar_is_drawn_where_asked() -> None:
    painter = TextPainter()
    planes = solid(320, 240, 128)
    painter.draw_bar(planes, OsdSpec(clock=True, position=Position.BOTTOM), time.time())
    assert (planes.y[:200] == 128).all()
    bar = planes.y[-9:]
    assert (bar == 16).any()
    assert (bar == 235).any()


def test_a_scaled_line_is_the_font_with_each_pixel_scaled() -> None:
    """Scaled glyph cells are built once per scale; a line at any scale is the 5x7 font
    (plus one spacing column per character) with each font pixel repeated."""
    painter = TextPainter()
    glyphs = build_glyphs()
    text = "Az 9:~?"
    plain = painter.mask(text)
    assert plain.shape == (7, 6 * len(text))
    for index, code in enumerate(glyph_indices(text)):
        assert np.array_equal(plain[:, 6 * index : 6 * index + 5], glyphs[code])
        assert not plain[:, 6 * index + 5].any()
    for scale in (2, 3, 8):
        scaled = painter.mask(text, scale)
        assert np.array_equal(scaled, np.repeat(np.repeat(plain, scale, axis=0), scale, axis=1))
        assert painter.mask(text, scale) is not scaled  # a new mask each time, from the cache


@pytest.mark.parametrize("offset", [0.0, 0.3, -12.75, 3600.0])
def test_the_stamp_is_the_local_time_to_the_millisecond(offset: float) -> None:
    def local(when: float) -> datetime:
        return datetime.fromtimestamp(when + offset, UTC)

    painter = TextPainter(local)
    rng = np.random.default_rng(5)
    start = 1.7e9 + 0.98
    times = [start + n / 30 for n in range(200)]  # frames across several seconds
    times += [start - 0.5, start + 86400.2, start + 0.999999, start + 1.0, start]  # jumps
    times += (start + rng.random(100) * 5).tolist()
    for when in times:
        expected = local(when)
        assert painter.stamp(when) == (
            f"{expected:%Y-%m-%d %H:%M:%S}.{expected.microsecond // 1000:03d}"
        ), when


def test_a_new_clock_shows_from_the_next_second() -> None:
    shift = [0.0]
    painter = TextPainter(lambda when: datetime.fromtimestamp(when + shift[0], UTC))
    assert painter.stamp(1.7e9 + 0.5) == "2023-11-14 22:13:20.500"
    shift[0] = 3600.0
    assert painter.stamp(1.7e9 + 1.25) == "2023-11-14 23:13:21.250"
