"""The supervisor's child never outlives it, and a new supervisor finds the port free."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import psutil

from ipcamd.system.firmware.bundle import load_public_key, verify_bundle
from ipcamd.system.firmware.slots import FirmwareStore, Pointer
from tests.system.firmware_kit import Kit
from tests.system.helpers import Process, http_get


def _install(data_dir: Path, kit: Kit, version: str) -> None:
    """Put ``version`` into a slot and point at it (confirmed): ``serve`` becomes a supervisor."""
    kit.trust(data_dir)
    verified = verify_bundle(kit.bundle(version), [load_public_key(kit.public)], "0.1.0")
    store = FirmwareStore(data_dir)
    slot = store.install(verified)
    store.write(Pointer(slot=slot, version=version))


async def _gone(process: psutil.Process, timeout: float = 30.0) -> bool:
    """True once ``process`` has exited (it is not our child: poll, bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_killing_only_the_supervisor_ends_its_child(tmp_path: Path) -> None:
    data_dir = tmp_path / "unit"
    _install(data_dir, Kit(tmp_path / "keys"), "99.0.0")
    first = Process(data_dir)
    try:
        url = await first.wait_serving()
        children = psutil.Process(first.proc.pid).children()
        assert len(children) == 1, "serve with a slot installed runs one supervised child"
        child = children[0]
        os.kill(first.proc.pid, signal.SIGKILL)  # the supervisor alone, not its group
        first.proc.wait(timeout=10)
        assert await _gone(child), "the child kept serving after its supervisor died"
        assert "The supervisor is gone; stopping" in first.output()
        port = int(url.rsplit(":", 1)[1])
        second = Process(data_dir, port=port, run="second")
        try:
            assert await second.wait_serving() == url  # the port was free again
            version = await http_get(
                url + "/axis-cgi/param.cgi?action=list&group=Properties.Firmware.Version"
            )
            assert version == b"Properties.Firmware.Version=99.0.0\n"
        finally:
            assert second.stop() == 0
    finally:
        first.kill()
