"""The upgrade itself (5.1.7): verify, install into the inactive slot, snapshot, switch.

Every check runs before anything is written; the pointer switch is the single commit point.
Progress goes to the log so a long upgrade can be followed.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ipcamd.db import Database
from ipcamd.errors import Conflict
from ipcamd.system.faults import pause
from ipcamd.system.firmware.bundle import load_trusted_keys, verify_bundle
from ipcamd.system.firmware.slots import FirmwareStore
from ipcamd.system.safetar import Source

_LOGGER = logging.getLogger(__name__)


class FirmwareUpdater:
    """One upgrade at a time; after a switch, nothing more until the unit has relaunched."""

    def __init__(self, data_dir: Path) -> None:
        self.store = FirmwareStore(data_dir)
        self._lock = asyncio.Lock()
        self._switched = False

    @property
    def busy(self) -> bool:
        """True while an upgrade runs or has switched (until the unit relaunches)."""
        return self._lock.locked() or self._switched

    async def async_upgrade(
        self, bundle: Source, *, factory_default: bool, running: str, db: Database
    ) -> str:
        """Install ``bundle`` (its bytes or the file it was uploaded to) to run at the next
        start; returns its version."""
        if self.busy:
            raise Conflict("another firmware upgrade is in progress")
        async with self._lock:
            size = (
                len(bundle)
                if isinstance(bundle, bytes)
                else await asyncio.to_thread(lambda: bundle.stat().st_size)
            )
            _LOGGER.info("Firmware upgrade: verifying a bundle of %s bytes", size)
            keys = await asyncio.to_thread(load_trusted_keys, self.store.trusted_dir)
            verified = await asyncio.to_thread(verify_bundle, bundle, keys, running)
            version = verified.manifest.version
            _LOGGER.info("Firmware upgrade: bundle %s verified; installing", version)
            slot = await asyncio.to_thread(self.store.install, verified)
            await asyncio.to_thread(pause, "firmware.installed")
            _LOGGER.info("Firmware upgrade: saving the settings for a rollback")
            await db.async_call(self.store.snapshot_database)
            await asyncio.to_thread(
                self.store.switch,
                slot,
                version,
                factory_default=factory_default,
                running=running,
            )
            self._switched = True
            await asyncio.to_thread(pause, "firmware.switched")
            _LOGGER.info("Firmware upgrade: %s installed in slot %s; restarting", version, slot)
            return version
