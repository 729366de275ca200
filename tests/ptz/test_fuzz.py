"""Fuzzed arguments never break ptz.cgi or ptzconfig.cgi: an expected status, never a 500 or a
traceback, and the unit answers afterwards (Hypothesis, derandomized unless asked)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipcamd.ptz.request import CONFIG_ARGUMENTS, PTZ_ARGUMENTS
from tests.conftest import CameraFactory
from tests.spec.raw import exchange
from tests.spec.test_robustness import EXPECTED, FUZZ, on_loop, queries
from tests.support import Camera


@pytest.mark.parametrize(
    ("path", "names"),
    [("/axis-cgi/com/ptz.cgi", PTZ_ARGUMENTS), ("/axis-cgi/com/ptzconfig.cgi", CONFIG_ARGUMENTS)],
)
async def test_fuzzed_arguments(
    camera_factory: CameraFactory, path: str, names: tuple[str, ...]
) -> None:
    camera: Camera = await camera_factory(cameras=2, ptz={1: "digital"})
    port = camera.server.port
    loop = asyncio.get_running_loop()

    @FUZZ
    @given(query=queries(list(names)), post=st.booleans())
    def one(query: str, post: bool) -> None:
        if post:
            request = exchange(
                port,
                path,
                method="POST",
                headers=[("Content-Type", "text/plain")],
                body=query.encode("ascii"),
            )
        else:
            request = exchange(port, f"{path}?{query}")
        reply = on_loop(loop, request)
        assert reply.status in EXPECTED | {204}, (query, reply.status_line, reply.body[:200])
        assert b"Traceback" not in reply.body

    await asyncio.to_thread(one)
    await camera.get(f"{path.replace('ptzconfig', 'ptz')}?continuouspantiltmove=0,0")
    reply = await camera.get("/axis-cgi/com/ptz.cgi?query=position")
    assert reply.status == 200
    assert reply.text.startswith("pan=")
