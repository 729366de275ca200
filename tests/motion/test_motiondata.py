"""motiondata.cgi on a running unit: filters, overrides for one stream, 204/400/503, HEAD,
and a stream that follows the windows."""

from __future__ import annotations

import asyncio

import pytest

from ipcamd.events import MotionLevel
from tests.motion.helpers import (
    OBJECT_AREA,
    QUIET_AREA,
    WAIT,
    add_window,
    box,
    motiondata,
    moving_object,
    remove_window,
    scene,
)
from tests.spec.raw import exchange
from tests.support import Camera
from tests.video.streams import wait_until

HEAD = "multipart/x-mixed-replace;boundary=mdb"


async def test_every_include_window_in_window_order_without_a_filter(camera: Camera) -> None:
    await scene(camera, "pattern=still")
    first = await add_window(camera, **box(QUIET_AREA))
    await add_window(camera, WindowType="exclude")
    third = await add_window(camera, **box(OBJECT_AREA), Threshold=33)
    async with motiondata(camera) as stream:
        assert stream.status_line == b"HTTP/1.0 200 OK"
        assert await stream.opening() == b"--mdb\r\n"
        part = await stream.levels()
        assert [(group, threshold) for group, _, threshold in part] == [(first, 10), (third, 33)]


async def test_group_filter_reports_the_windows_asked_for_in_group_order(camera: Camera) -> None:
    await moving_object(camera)
    windows = [await add_window(camera, **box(QUIET_AREA)) for _ in range(3)]
    async with motiondata(camera, f"group={windows[2]},{windows[0]}") as stream:
        await stream.opening()
        part = await stream.levels()
        assert [group for group, _, _ in part] == [windows[0], windows[2]]
    async with motiondata(camera, f"group={windows[1]}&group={windows[2]}") as stream:
        await stream.opening()
        assert [g for g, _, _ in await stream.levels()] == windows[1:]


async def test_levels_in_the_stream_rise_with_the_object(camera: Camera) -> None:
    await moving_object(camera)
    moving = await add_window(camera, **box(OBJECT_AREA), History=0)
    quiet = await add_window(camera, **box(QUIET_AREA))
    async with motiondata(camera) as stream:
        await stream.opening()
        parts = await stream.levels_until(lambda part: part[0][1] >= 20)
    assert all(part[0][0] == moving for part in parts)
    assert max(level for part in parts for group, level, _ in part if group == quiet) <= 2


async def test_overrides_apply_to_their_stream_only(camera: Camera) -> None:
    await moving_object(camera)
    window = await add_window(camera, **box(OBJECT_AREA), History=0)
    async with (
        motiondata(camera, "Sensitivity=0&Threshold=77") as overridden,
        motiondata(camera) as plain,
    ):
        await overridden.opening()
        await plain.opening()
        # The configured window sees the object (luma 235 on the bars); with Sensitivity 0 a
        # pixel must differ by 244 levels, which nothing in this picture does.
        await plain.levels_until(
            lambda part: part == [(window, part[0][1], 10)] and part[0][1] > 10
        )
        parts = [await overridden.levels() for _ in range(5)]
        assert all(part == [(window, 0, 77)] for part in parts), parts
        # The bus still carries the window's own settings.
        with camera.device.bus.subscribe(MotionLevel) as subscription:
            item = await asyncio.wait_for(subscription.get(), WAIT)
            assert isinstance(item, MotionLevel)
            assert item.threshold == 10
    assert camera.device.params.get(f"Motion.M{window}.Sensitivity") == "90"


async def test_coordinate_overrides_move_the_windows_of_the_stream(camera: Camera) -> None:
    await moving_object(camera)
    window = await add_window(camera, **box(QUIET_AREA), History=0)
    left, top, right, bottom = OBJECT_AREA
    query = f"Left={left}&Top={top}&Right={right}&Bottom={bottom}"
    async with motiondata(camera, query) as stream:
        await stream.opening()
        parts = await stream.levels_until(
            lambda part: part[0] == (window, part[0][1], 10) and part[0][1] >= 20
        )
        group, level, threshold = parts[-1][0]
        assert (group, threshold) == (window, 10)
        assert level >= 20


async def test_no_include_window_is_204(camera: Camera) -> None:
    for prefix in ("/", "/axis-cgi/", "/axis-cgi/admin/"):
        reply = await exchange(camera.server.port, f"{prefix}motion/motiondata.cgi")
        assert reply.status_line == b"HTTP/1.0 204 No Content"
        assert reply.body == b""
    exclude = await add_window(camera, WindowType="exclude")
    reply = await exchange(camera.server.port, "/axis-cgi/motion/motiondata.cgi")
    assert reply.status == 204
    include = await add_window(camera)
    # Asking only for an exclude window: nothing to report either.
    reply = await exchange(camera.server.port, f"/axis-cgi/motion/motiondata.cgi?group={exclude}")
    assert reply.status == 204
    reply = await exchange(
        camera.server.port, f"/motion/motiondata.cgi?group={include}", method="HEAD"
    )
    assert reply.status == 200
    assert reply.header("Content-Type") == HEAD


@pytest.mark.parametrize("version", ["1.0", "1.1"])
async def test_the_stream_runs_until_the_client_goes_without_chunking(
    camera: Camera, version: str
) -> None:
    await add_window(camera)
    async with motiondata(camera, version=version) as stream:
        assert stream.status_line == f"HTTP/{version} 200 OK".encode()
        headers = [line.split(b": ", 1) for line in stream.header_lines]
        values = {key.lower(): value for key, value in headers}
        assert values[b"content-type"] == HEAD.encode()
        assert b"transfer-encoding" not in values
        assert b"content-length" not in values
        if version == "1.1":
            assert values[b"connection"] == b"close"
        await stream.opening()
        for _ in range(3):
            await stream.levels()
    await wait_until(lambda: camera.device.motion.clients == 0)


async def test_the_stream_ends_when_its_windows_are_removed(camera: Camera) -> None:
    first = await add_window(camera)
    second = await add_window(camera)
    async with motiondata(camera, f"group={first}") as stream:
        await stream.opening()
        await stream.levels()
        await remove_window(camera, first)
        # Whatever was in flight, then the end of the body: the server closes.
        while True:
            data = await asyncio.wait_for(stream.reader.read(4096), WAIT)
            if not data:
                break
        assert stream.reader.at_eof()
    await remove_window(camera, second)


async def test_clients_beyond_the_limit_get_503(camera_factory: object) -> None:
    assert callable(camera_factory)
    camera: Camera = await camera_factory(motion_max_clients=1)
    await add_window(camera)
    port = camera.server.port
    async with motiondata(camera) as first:
        await first.opening()
        await first.levels()
        refused = await exchange(port, "/axis-cgi/motion/motiondata.cgi")
        assert refused.status_line == b"HTTP/1.0 503 Service Unavailable"
        assert refused.body == b"Too many motion data clients (at most 1)\n"
        head = await exchange(port, "/axis-cgi/motion/motiondata.cgi", method="HEAD")
        assert head.status == 503
    await wait_until(lambda: camera.device.motion.clients == 0)
    async with motiondata(camera) as again:
        assert again.status_line == b"HTTP/1.0 200 OK"
        await again.opening()
        await again.levels()
