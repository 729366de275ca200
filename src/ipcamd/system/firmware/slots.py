"""Two install slots and the pointer that says which one runs.

Layout under ``<data_dir>/firmware/``: ``trusted/*.pub`` (keys that may sign bundles),
``slot-a/`` and ``slot-b/`` (a wheel unpacked as an import path), ``current.json`` (the pointer)
and ``rollback.sqlite3`` (the database as it was before the last switch). Without a pointer the
unit runs the ipcamd it was installed with (slot ``base``).

Every step that a crash could interrupt is either invisible until the next step (a slot is
unpacked into ``slot-x.tmp`` and renamed) or atomic (the pointer is written to a temporary file,
synced, and renamed over the old one): after a crash the unit runs either the old or the new
version, never a mix.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import sqlite3
import zipfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ipcamd.db import private_file
from ipcamd.errors import InvalidParameter

if TYPE_CHECKING:
    from ipcamd.system.firmware.bundle import Verified

_LOGGER = logging.getLogger(__name__)

BASE = "base"
SLOTS = ("a", "b")
POINTER = "current.json"
SNAPSHOT = "rollback.sqlite3"
_MAX_FILES = 5000
_MAX_UNPACKED = 64 * 1024 * 1024


@dataclass(frozen=True)
class Pointer:
    """Which slot runs, which one ran before, and whether the new one has proved itself."""

    slot: str
    version: str
    previous: str = BASE
    previous_version: str = ""
    #: True until the new slot has started and answered once (the supervisor confirms it).
    trial: bool = False
    #: A ``type=factorydefault`` upgrade: the new version resets settings at its first start.
    factory_default: bool = False


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


class FirmwareStore:
    """The firmware directory of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "firmware"
        self.trusted_dir = self.root / "trusted"

    def slot_dir(self, slot: str) -> Path | None:
        """The import path of ``slot`` (None for the base installation)."""
        return None if slot == BASE else self.root / f"slot-{slot}"

    # ------------------------------------------------------------------ the pointer

    def read(self) -> Pointer | None:
        """The pointer, or None when the base installation runs (or the pointer is unreadable)."""
        path = self.root / POINTER
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            pointer = Pointer(**raw)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            _LOGGER.exception("Firmware pointer %s is unreadable; running the base version", path)
            return None
        if pointer.slot not in SLOTS or pointer.previous not in (*SLOTS, BASE):
            _LOGGER.error("Firmware pointer names an unknown slot; running the base version")
            return None
        return pointer

    def write(self, pointer: Pointer | None) -> None:
        """Replace the pointer atomically (None: back to the base installation)."""
        path = self.root / POINTER
        if pointer is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            _fsync_dir(self.root)
            return
        _write_atomic(path, json.dumps(asdict(pointer), indent=1).encode() + b"\n")

    def active_slot(self) -> str:
        """The slot that runs now."""
        pointer = self.read()
        return BASE if pointer is None else pointer.slot

    # ------------------------------------------------------------------ installing

    def install(self, verified: Verified) -> str:
        """Unpack the payload into the inactive slot; the running slot is never touched."""
        active = self.active_slot()
        slot = "b" if active == "a" else "a"
        target = self.root / f"slot-{slot}"
        tmp = self.root / f"slot-{slot}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            _unpack_wheel(verified.payload, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        _fsync_dir(self.root)
        _LOGGER.info("Firmware %s unpacked into slot %s", verified.manifest.version, slot)
        return slot

    def snapshot_database(self, conn: sqlite3.Connection) -> None:
        """Copy the database (consistently, via SQLite's backup API) for a rollback."""
        tmp = self.root / (SNAPSHOT + ".tmp")
        tmp.unlink(missing_ok=True)
        private_file(tmp)  # a copy of the database: password hashes, the unit's secret
        dest = sqlite3.connect(tmp)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(self.root / SNAPSHOT)
        _fsync_dir(self.root)

    def switch(self, slot: str, version: str, *, factory_default: bool, running: str) -> None:
        """Point at the freshly installed ``slot`` (on trial): the commit point of an upgrade."""
        self.write(
            Pointer(
                slot=slot,
                version=version,
                previous=self.active_slot(),
                previous_version=running,
                trial=True,
                factory_default=factory_default,
            )
        )
        _LOGGER.info("Firmware pointer switched to slot %s (%s, on trial)", slot, version)

    def confirm(self) -> None:
        """The trial slot started: keep it."""
        pointer = self.read()
        if pointer is not None and pointer.trial:
            self.write(replace(pointer, trial=False))

    def factory_default_done(self) -> None:
        """The new version has applied the factory default the upgrade asked for."""
        pointer = self.read()
        if pointer is not None and pointer.factory_default:
            self.write(replace(pointer, factory_default=False))

    def rollback(self, database: Path) -> None:
        """Back to the previous slot, with the database as it was before the switch."""
        pointer = self.read()
        if pointer is None:
            return
        snapshot = self.root / SNAPSHOT
        if snapshot.exists():
            source = sqlite3.connect(snapshot)
            dest = sqlite3.connect(database)
            try:
                source.backup(dest)  # written into the live file as one transaction
            finally:
                source.close()
                dest.close()
        if pointer.previous == BASE:
            self.write(None)
        else:
            self.write(Pointer(slot=pointer.previous, version=pointer.previous_version))
        _LOGGER.warning(
            "Firmware %s rolled back to %s (%s)",
            pointer.version,
            pointer.previous_version or "the base version",
            pointer.previous,
        )


def _unpack_wheel(wheel: bytes, target: Path) -> None:
    """Write the wheel's ``ipcamd/`` package and ``.dist-info`` under ``target``, checked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(wheel))
    except zipfile.BadZipFile as err:
        raise InvalidParameter(f"the payload is not a wheel: {err}") from err
    with archive:
        infos = archive.infolist()
        if len(infos) > _MAX_FILES or sum(i.file_size for i in infos) > _MAX_UNPACKED:
            raise InvalidParameter("the payload unpacks too large")
        names = {i.filename for i in infos}
        if "ipcamd/__init__.py" not in names or "ipcamd/__main__.py" not in names:
            raise InvalidParameter("the payload holds no ipcamd package")
        for info in infos:
            path = PurePosixPath(info.filename)
            top = path.parts[0] if path.parts else ""
            if path.is_absolute() or ".." in path.parts or "\\" in info.filename:
                raise InvalidParameter(f"unsafe name in the payload: {info.filename!r}")
            if top != "ipcamd" and not (top.startswith("ipcamd-") and top.endswith(".dist-info")):
                raise InvalidParameter(f"unexpected file in the payload: {info.filename!r}")
            if info.is_dir():
                continue
            destination = target.joinpath(*path.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError) as err:
                raise InvalidParameter(f"damaged payload: {err}") from err
            destination.write_bytes(data)
