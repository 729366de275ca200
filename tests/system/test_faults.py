"""Power cuts (SIGKILL of the whole process group) during a restore and during an upgrade.

Each case holds the process at a pause point (``IPCAMD_TEST_PAUSE``), kills it there, starts the
unit again on the same data directory and checks it has either the old or the new state whole.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from ipcamd import __version__
from ipcamd.system.firmware.slots import FirmwareStore
from tests.support import Camera
from tests.system.archives import multipart
from tests.system.firmware_kit import Kit
from tests.system.helpers import Process, http_get, http_request

STATE_GROUPS = "Image.I0.Name,Network.HostName,StreamProfile.S3.Name"
OLD = (
    b"Image.I0.Name=Old\nNetwork.HostName=oldhost\n"
    b"# Error: Error -1 getting param in group 'StreamProfile.S3.Name'\n"
)
NEW = b"Image.I0.Name=New\nNetwork.HostName=newhost\nStreamProfile.S3.Name=Mobile\n"


async def _state(url: str) -> bytes:
    return await http_get(f"{url}/axis-cgi/param.cgi?action=list&group={STATE_GROUPS}")


async def _prepare_restore(url: str) -> bytes:
    """Back up the NEW state, then move the unit to the OLD one; return the backup."""
    await http_get(
        url + "/axis-cgi/param.cgi?action=update&Image.I0.Name=New&Network.HostName=newhost"
    )
    status, archive = await http_request("GET", url + "/axis-cgi/backup.cgi")
    assert status == 200
    await http_get(
        url + "/axis-cgi/param.cgi?action=update&Image.I0.Name=Old&Network.HostName=oldhost"
    )
    await http_get(url + "/axis-cgi/param.cgi?action=remove&group=StreamProfile.S3")
    assert await _state(url) == OLD
    return archive


async def _post_restore(url: str, archive: bytes) -> None:
    body, headers = multipart(archive)
    assert await http_request(
        "POST", url + "/axis-cgi/restore.cgi", data=body, headers=headers
    ) == (
        200,
        b"OK\r\n",
    )


async def _state_after_restart(data_dir: Path, run: str) -> bytes:
    process = Process(data_dir, run=run)
    try:
        url = await process.wait_serving()
        return await _state(url)
    finally:
        assert process.stop() == 0


async def _cut_off(upload: asyncio.Future[None]) -> None:
    """A restore answers once its transaction has committed: a power cut before that leaves
    its client without an answer (the connection drops)."""
    upload.cancel()
    (outcome,) = await asyncio.gather(upload, return_exceptions=True)
    assert not isinstance(outcome, AssertionError), outcome  # an answer, if any, was OK


async def test_kill_inside_the_restore_transaction_leaves_the_old_state(tmp_path: Path) -> None:
    data_dir = tmp_path / "unit"
    process = Process(data_dir, env={"IPCAMD_TEST_PAUSE": "restore.apply=30"})
    upload: asyncio.Future[None] | None = None
    try:
        url = await process.wait_serving()
        upload = asyncio.ensure_future(_post_restore(url, await _prepare_restore(url)))
        await process.wait_output("Test pause at restore.apply")
        assert not upload.done()  # no answer before the commit
    finally:
        process.kill()
    if upload is not None:
        await _cut_off(upload)
    assert await _state_after_restart(data_dir, "after") == OLD


async def test_kill_at_random_moments_of_a_restore_leaves_old_or_new(tmp_path: Path) -> None:
    rng = random.Random(5)
    for attempt in range(3):
        data_dir = tmp_path / f"unit{attempt}"
        process = Process(data_dir)
        upload: asyncio.Future[None] | None = None
        try:
            url = await process.wait_serving()
            upload = asyncio.ensure_future(_post_restore(url, await _prepare_restore(url)))
            await asyncio.sleep(rng.uniform(0.0, 0.3))
        finally:
            process.kill()
        if upload is not None:
            await _cut_off(upload)
        assert await _state_after_restart(data_dir, "after") in (OLD, NEW)


async def test_kill_right_after_the_restore_commit_leaves_the_new_state(tmp_path: Path) -> None:
    data_dir = tmp_path / "unit"
    process = Process(data_dir)
    try:
        url = await process.wait_serving()
        await _post_restore(url, await _prepare_restore(url))
        await process.wait_output("Applied the state change of restore")
    finally:
        process.kill()
    assert await _state_after_restart(data_dir, "after") == NEW


async def _upgrade(url: str, bundle: bytes) -> None:
    body, headers = multipart(bundle, field="firmware.bin", filename="firmware.bin")
    status = await http_request(
        "POST", url + "/axis-cgi/firmwareupgrade.cgi", data=body, headers=headers
    )
    assert status == (200, b"OK\r\n")


@pytest.mark.parametrize(
    ("point", "expected"),
    [("firmware.installed", __version__), ("firmware.switched", "99.0.0")],
)
async def test_kill_during_an_upgrade_runs_old_or_new_whole(
    tmp_path: Path, point: str, expected: str
) -> None:
    kit = Kit(tmp_path / "keys")
    data_dir = tmp_path / "unit"
    kit.trust(data_dir)
    bundle = kit.bundle("99.0.0")
    process = Process(data_dir, env={"IPCAMD_TEST_PAUSE": f"{point}=30"})
    try:
        url = await process.wait_serving()
        await http_get(url + "/axis-cgi/param.cgi?action=update&Image.I0.Name=Kept")
        upload = asyncio.ensure_future(_upgrade(url, bundle))
        await process.wait_output(f"Test pause at {point}")
    finally:
        process.kill()
    upload.cancel()
    (outcome,) = await asyncio.gather(upload, return_exceptions=True)
    assert not isinstance(outcome, AssertionError), outcome  # an answer, if any, was OK
    after = Process(data_dir, run="after")
    try:
        url = await after.wait_serving()
        version = await http_get(
            url + "/axis-cgi/param.cgi?action=list&group=Properties.Firmware.Version"
        )
        assert version == f"Properties.Firmware.Version={expected}\n".encode()
        name = await http_get(url + "/axis-cgi/param.cgi?action=list&group=Image.I0.Name")
        assert name == b"Image.I0.Name=Kept\n"
    finally:
        assert after.stop() == 0
    pointer = FirmwareStore(data_dir).read()
    if expected == __version__:
        assert pointer is None
    else:
        assert pointer is not None
        assert (pointer.version, pointer.trial) == (expected, False)


ADMIN_CGIS = [
    ("GET", "restart.cgi"),
    ("GET", "factorydefault.cgi"),
    ("GET", "hardfactorydefault.cgi"),
    ("GET", "backup.cgi"),
    ("POST", "restore.cgi"),
    ("POST", "firmwareupgrade.cgi"),
]


@pytest.mark.parametrize("user", ["viewer", "operator"])
async def test_every_lifecycle_cgi_refuses_viewers_and_operators(camera: Camera, user: str) -> None:
    await camera.add_user("viewer", "viewpw", "axview")
    await camera.add_user("operator", "operpw", "axoper:axview")
    password = {"viewer": "viewpw", "operator": "operpw"}[user]
    body, headers = multipart(b"x" * 100)
    for method, path in ADMIN_CGIS:
        for prefix in ("/", "/axis-cgi/", "/axis-cgi/admin/"):
            reply = await camera.request(
                method,
                prefix + path,
                user=user,
                password=password,
                data=body if method == "POST" else None,
                headers=headers if method == "POST" else None,
            )
            assert reply.status == 401, (path, reply.status)
            assert "WWW-Authenticate" in reply.headers
    assert camera.server.generation == 0
    assert not camera.server.restarting
