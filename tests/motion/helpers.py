"""Helpers for the motion tests: windows through param.cgi, the scene through scene.cgi, and
waiting for levels on the device's bus or in a motiondata.cgi stream (always bounded).

The test pattern's text (camera name, frame counter, time) lies in rows 3100-6100 and columns
0-6900 of the 0-9999 picture; the regions used here keep clear of it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from ipcamd.events import Missed, MotionLevel, MotionState
from tests.spec.raw import read_head, request_bytes
from tests.support import Camera

#: Regions as left, top, right, bottom: where the object moves, a quiet corner, the band below.
OBJECT_AREA = (0, 0, 2500, 2500)
QUIET_AREA = (7500, 0, 9999, 2500)
LOWER_AREA = (0, 7000, 9999, 9999)
#: Bounds every wait: a busy machine is slow, a broken detector never gets there.
WAIT = 30.0

LINE = re.compile(rb"group=(\d+);level=(\d+);threshold=(\d+);\r\n")


def box(area: tuple[int, int, int, int]) -> dict[str, int]:
    """An area as window parameters."""
    left, top, right, bottom = area
    return {"Left": left, "Top": top, "Right": right, "Bottom": bottom}


async def add_window(camera: Camera, **values: object) -> int:
    """Add a motion window with ``values`` (``Top=500``…); its number."""
    query = "".join(f"&Motion.M.{name}={value}" for name, value in values.items())
    reply = await camera.get(f"/axis-cgi/param.cgi?action=add&group=Motion&template=motion{query}")
    match = re.fullmatch(r"M(\d+) OK\r\n", reply.text)
    assert match, reply.text
    return int(match.group(1))


async def update(camera: Camera, query: str) -> None:
    """``param.cgi?action=update&<query>``, which must succeed."""
    reply = await camera.get(f"/axis-cgi/param.cgi?action=update&{query}")
    assert reply.text == "OK\r\n", reply.text


async def remove_window(camera: Camera, number: int) -> None:
    reply = await camera.get(f"/axis-cgi/param.cgi?action=remove&group=Motion.M{number}")
    assert reply.text == "OK\r\n", reply.text


async def scene(camera: Camera, query: str, camera_number: int = 1) -> str:
    """Set the scene of a test-pattern camera (``pattern=still&object=moving…``)."""
    reply = await camera.get(f"/ipcamd/scene.cgi?action=set&camera={camera_number}&{query}")
    assert reply.status == 200, reply.text
    return reply.text


async def moving_object(camera: Camera, area: tuple[int, int, int, int] = OBJECT_AREA) -> None:
    """Still pattern, an object moving inside ``area``."""
    left, top, right, bottom = area
    await scene(
        camera,
        f"pattern=still&object=moving&area={left},{top},{right},{bottom}"
        "&size=800,800&speed=3000,2000&luma=235",
    )


@dataclass
class LevelLog:
    """Every level the bus carried per window while a test waited."""

    seen: dict[int, list[int]]

    def of(self, window: int) -> list[int]:
        return self.seen.get(window, [])


async def levels_until(
    camera: Camera, done: Callable[[LevelLog], bool], timeout: float = WAIT
) -> LevelLog:
    """Read MotionLevel events from the bus until ``done(log)``; fails after ``timeout``."""
    log = LevelLog({})
    with camera.device.bus.subscribe(MotionLevel) as subscription:

        async def read() -> None:
            async for item in subscription:
                if isinstance(item, MotionLevel):
                    log.seen.setdefault(item.window, []).append(item.level)
                    if done(log):
                        return

        await asyncio.wait_for(read(), timeout)
    return log


async def state_until(camera: Camera, window: int, active: bool, timeout: float = WAIT) -> None:
    """Wait until the bus says ``window`` is (or became) ``active``."""
    with camera.device.bus.subscribe(MotionState) as subscription:
        if any(s.window == window and s.active is active for s in subscription.initial):
            return

        async def read() -> None:
            async for item in subscription:
                if isinstance(item, Missed):
                    continue
                if item.window == window and item.active is active:
                    return

        await asyncio.wait_for(read(), timeout)


@dataclass
class MotionData:
    """A raw motiondata.cgi stream: its head, and its parts as they come."""

    status_line: bytes
    header_lines: list[bytes]
    reader: asyncio.StreamReader

    async def opening(self) -> bytes:
        """The body's first bytes: the boundary line."""
        return await asyncio.wait_for(self.reader.readexactly(7), WAIT)

    async def part(self) -> bytes:
        """The next part, its closing boundary line included."""
        return await asyncio.wait_for(self.reader.readuntil(b"--mdb\r\n"), WAIT)

    async def levels(self) -> list[tuple[int, int, int]]:
        """The next part as (group, level, threshold) per line, checking its exact form."""
        part = await self.part()
        assert part.startswith(b"Content-Type:text/plain\r\n\r\n"), part
        body = part[len(b"Content-Type:text/plain\r\n\r\n") : -len(b"--mdb\r\n")]
        lines = LINE.findall(body)
        assert b"".join(b"group=%s;level=%s;threshold=%s;\r\n" % line for line in lines) == body, (
            part
        )
        return [(int(g), int(lv), int(t)) for g, lv, t in lines]

    async def levels_until(
        self, done: Callable[[list[tuple[int, int, int]]], bool], limit: int = 400
    ) -> list[list[tuple[int, int, int]]]:
        """Parts until ``done(part)`` (at most ``limit`` parts, each bounded in time)."""
        parts = []
        for _ in range(limit):
            part = await self.levels()
            parts.append(part)
            if done(part):
                return parts
        raise AssertionError(f"condition not reached in {limit} parts: {parts[-5:]}")


@asynccontextmanager
async def motiondata(
    camera: Camera, query: str = "", *, prefix: str = "/axis-cgi/", version: str = "1.0"
) -> AsyncIterator[MotionData]:
    """A motiondata.cgi request on its own connection (closing it is how a client leaves)."""
    target = f"{prefix}motion/motiondata.cgi" + (f"?{query}" if query else "")
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    try:
        writer.write(request_bytes(target, version=version))
        status_line, header_lines = await read_head(reader)
        yield MotionData(status_line, header_lines, reader)
    finally:
        writer.close()
