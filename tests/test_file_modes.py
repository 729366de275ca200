"""Issue 9, point 11: the data directory and the database (password hashes, the unit's secret)
are private to the user running the unit, whatever the umask; an existing data directory is
made private at start, with a log line."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CameraFactory
from tests.support import Camera


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask there is (and back after the test)."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("open_umask")
async def test_a_new_unit_is_private_whatever_the_umask(
    camera_factory: CameraFactory, tmp_path: Path
) -> None:
    data_dir = tmp_path / "unit"
    camera: Camera = await camera_factory(data_dir=data_dir)
    reply = await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Name=Private")
    assert reply.body == b"OK\r\n"
    assert mode(data_dir) == 0o700
    database = data_dir / "ipcamd.sqlite3"
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        assert mode(path) == 0o600, path


async def test_an_existing_data_dir_is_made_private_at_start(
    camera_factory: CameraFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "unit"
    data_dir.mkdir()
    database = data_dir / "ipcamd.sqlite3"
    sqlite3.connect(database).close()
    os.chmod(data_dir, 0o755)
    os.chmod(database, 0o644)
    with caplog.at_level(logging.WARNING, logger="ipcamd.db"):
        await camera_factory(data_dir=data_dir)
    assert mode(data_dir) == 0o700
    assert mode(database) == 0o600
    lines = [r.getMessage() for r in caplog.records if r.name == "ipcamd.db"]
    assert f"{data_dir} was mode 0755; now 0700 (private to the user running ipcamd)" in lines
    assert f"{database} was mode 0644; now 0600 (private to the user running ipcamd)" in lines
