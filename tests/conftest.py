"""Fixtures: every test talks HTTP to a real server on an ephemeral loopback port.

Every test also runs under the guards of :mod:`tests.guards`: it fails if a known blocking call
ran on the event loop's thread, or if a thread it started is still running after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ipcamd.auth import passwords
from ipcamd.server import Server
from tests.support import Camera, make_config

pytest_plugins = ["tests.guards"]

CameraFactory = Callable[..., Any]

#: scrypt's N for passwords hashed inside the test process (the device's own is 2**14).
TEST_SCRYPT_N = 2**4


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """Hash passwords with a tiny scrypt cost in-process: every server start (root's password),
    every account and every first login would otherwise spend ~50 ms in scrypt. Hashes carry
    their own cost, so verification is unchanged; servers run as processes (tests/test_cli.py,
    tests/system) keep the real cost, and a test there checks it."""
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_SCRYPT_N", TEST_SCRYPT_N)
    yield
    patch.undo()


@pytest.fixture
async def camera_factory(tmp_path: Path) -> AsyncIterator[CameraFactory]:
    """Start servers on demand (``await camera_factory(cameras=4)``); all are stopped after."""
    started: list[tuple[Server, aiohttp.ClientSession]] = []

    async def start(data_dir: Path | None = None, **overrides: Any) -> Camera:
        directory = data_dir or tmp_path / f"unit{len(started)}"
        server = Server(make_config(directory, **overrides))
        await server.start()
        session = aiohttp.ClientSession(auto_decompress=False)
        started.append((server, session))
        return Camera(server, session)

    yield start
    for server, session in reversed(started):
        await session.close()
        await server.stop()


@pytest.fixture
async def camera(camera_factory: CameraFactory) -> Camera:
    """One running unit with one video input and root's password ``pass``."""
    cam: Camera = await camera_factory()
    return cam
