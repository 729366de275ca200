"""heap.settle: start-up's objects out of the collector's full passes, a restart's leftovers
collected, and a server started as ``ipcamd serve`` starts it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from ipcamd import heap
from ipcamd.server import Server
from tests.support import Camera, make_config
from tests.system.helpers import restart_and_wait


class Node:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def thawed() -> Iterator[None]:
    """The test process is not frozen after the test (its later garbage stays collectable)."""
    yield
    gc.unfreeze()


def test_settle_freezes_what_lives_and_the_next_settle_collects_what_died(
    thawed: None,
) -> None:
    kept = Node()
    alive = weakref.ref(kept)
    assert heap.settle() == gc.get_freeze_count() > 0
    del kept
    gc.collect()
    assert alive() is not None  # frozen: a full pass does not look at it
    heap.settle()  # as after a restart: looked at again, found dead
    assert alive() is None


async def test_a_server_that_settles_its_heap_settles_it_again_at_each_restart(
    tmp_path: Path, thawed: None
) -> None:
    kept = Node()
    alive = weakref.ref(kept)
    server = Server(make_config(tmp_path / "unit"), settle_heap=True)
    await server.start()
    session = aiohttp.ClientSession()
    try:
        camera = Camera(server, session)
        assert gc.get_freeze_count() > 0
        del kept  # frozen at start-up, then garbage: what a restart leaves behind
        gc.collect()
        assert alive() is not None
        assert await restart_and_wait(camera, "/axis-cgi/restart.cgi") == b"OK\r\n"
        assert alive() is None
        reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand")
        assert reply.body == b"Brand.Brand=ipcamd\n"
    finally:
        await session.close()
        await server.stop()


async def test_a_server_leaves_the_heap_alone_unless_asked(tmp_path: Path) -> None:
    server = Server(make_config(tmp_path / "unit"))
    await server.start()
    try:
        assert gc.get_freeze_count() == 0
    finally:
        await server.stop()
