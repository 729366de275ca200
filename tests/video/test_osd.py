"""Spec 5.1.13 setosd.cgi, and the OSD text drawn on the frames."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import simplejpeg

from ipcamd.video.font import build_glyphs, glyph_indices
from ipcamd.video.frame import solid
from ipcamd.video.osd import OsdSpec, Position, TextPainter
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
    when = time.mktime((2024, 2, 29, 13, 5, 9, 0, 0, -1))
    spec = OsdSpec(date=True, clock=True, text=True, string="Gate")
    assert spec.line(when) == "2024-02-29 13:05:09 Gate"
    us = OsdSpec(date=True, clock=True, date_format="MM/DD/YYYY", time_format="12")
    assert us.line(when) == "02/29/2024 01:05:09 PM"
    assert not OsdSpec(text=True, string="").visible


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
