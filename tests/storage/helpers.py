"""Helpers for the storage tests: XML replies parsed, recordings listed, conditions awaited."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support import Camera

#: Small and quick: 160x120 at 10 frames a second, one-second segments.
OPTIONS = "resolution%3D160x120%26fps%3D10"


async def xml(camera: Camera, path: str, **kwargs: Any) -> ET.Element:
    """GET ``path``: a 200 ``text/xml`` reply that parses; its root."""
    reply = await camera.get(path, **kwargs)
    assert reply.status == 200, (reply.status, reply.body[:300])
    assert reply.headers["Content-Type"] == "text/xml", reply.headers
    assert reply.body.startswith(b'<?xml version="1.0" ?>\n'), reply.body[:80]
    return ET.fromstring(reply.body)


async def recordings(camera: Camera, query: str = "recordingid=all") -> list[dict[str, str]]:
    """The ``<recording>`` attributes ``list.cgi?<query>`` gives, in its order."""
    root = await xml(camera, f"/axis-cgi/list.cgi?{query}")
    return [dict(r.attrib) for r in root.iter("recording")]


async def disk(camera: Camera) -> dict[str, str]:
    """The ``<disk>`` attributes of SD_DISK."""
    root = await xml(camera, "/list.cgi?diskid=SD_DISK")
    disks = root.findall("./disks/disk")
    assert len(disks) == 1
    return dict(disks[0].attrib)


async def update(camera: Camera, query: str) -> None:
    """``param.cgi?action=update&<query>``, which must succeed."""
    reply = await camera.get(f"/axis-cgi/param.cgi?action=update&{query}")
    assert reply.text == "OK\r\n", reply.text


async def record_continuously(camera: Camera, options: str = OPTIONS, split: int = 1) -> None:
    """Continuous recording of camera 1, with ``split``-second segments."""
    await update(
        camera,
        f"Recording.DefaultSplitDuration={split}&Recording.Continuous.I0.Options={options}"
        "&Recording.Continuous.I0.Enabled=yes",
    )


async def wait_until(
    condition: Callable[[], Awaitable[bool]], timeout: float = 30.0, what: str = "condition"
) -> None:
    """Poll ``condition`` every 50 ms; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in time")
        await asyncio.sleep(0.05)


async def holds(value: bool) -> bool:
    """``value``, as a coroutine: ``wait_until(lambda: holds(x > 1))`` polls a plain condition."""
    return value


async def wait_active(camera: Camera, segments: int = 0) -> dict[str, str]:
    """An active recording with at least ``segments`` closed segments; its attributes."""
    found: dict[str, str] = {}

    async def ready() -> bool:
        for rec in await recordings(camera):
            if rec["recordingstatus"] == "active" and closed_segments(camera, rec) >= segments:
                found.update(rec)
                return True
        return False

    await wait_until(ready, what=f"an active recording with {segments} segments")
    return found


def recording_dir(camera: Camera, rid: str) -> Path:
    """Where a recording's files are."""
    return camera.device.config.sd_path / "recordings" / rid


def closed_segments(camera: Camera, rec: dict[str, str]) -> int:
    """How many complete segment files a recording has on disk."""
    return len(list(recording_dir(camera, rec["recordingid"]).glob("*.mkv")))


async def export(camera: Camera, rid: str, extra: str = "") -> bytes:
    """The exported file of a recording (the reply must be a 200 Matroska)."""
    reply = await camera.get(
        "/axis-cgi/record/export/exportrecording.cgi?schemaversion=1"
        f"&recordingid={rid}&diskid=SD_DISK&exportformat=matroska{extra}"
    )
    assert reply.status == 200, reply.body[:300]
    assert reply.headers["Content-Type"] == "video/x-matroska", reply.body[:300]
    return reply.body
