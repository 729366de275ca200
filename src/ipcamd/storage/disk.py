"""The SD_DISK: a directory (a real mount point or not), its size limit, and what is on it.

The disk's size is the smaller of its limit and its file system (``statvfs``); its free space
the smaller of what the limit leaves (everything under the directory counts, ipcamd's or not)
and what the file system has. Writers charge every byte they add as they add it, so "full"
is decided per frame without walking the tree; a walk (:meth:`Disk.rescan`) corrects the count
when the disk is mounted and after removals.

Recordings live in ``recordings/<recording id>/<seq>.mkv``; every path is built from a checked
recording id (a UUID) and a number, and checked to stay under the directory.

Methods that touch the file system block: call them from a worker thread.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ipcamd.errors import InvalidParameter
from ipcamd.storage.model import check_recording_id, segment_name

_LOGGER = logging.getLogger(__name__)

RECORDINGS = "recordings"
#: The smallest reserve the writers leave free (room to close their segments).
MIN_RESERVE = 64 * 1024
_PROBE = ".ipcamd-write-probe"


@dataclass(frozen=True, slots=True)
class Usage:
    """The disk's size and free space in bytes, and the free space writers keep."""

    total: int
    free: int
    reserve: int

    @property
    def used(self) -> int:
        """Bytes in use (of ``total``)."""
        return self.total - self.free

    @property
    def full(self) -> bool:
        """No room to start or continue recording: free space below twice the reserve."""
        return self.free < 2 * self.reserve


def reserve_for(total: int) -> int:
    """What writers leave free on a disk of ``total`` bytes: 0.5 %, at least 64 KiB."""
    return max(MIN_RESERVE, total // 200)


class Disk:
    """The directory behind SD_DISK and the bytes on it (thread-safe)."""

    def __init__(self, root: Path, limit: int) -> None:
        self.root = root
        #: Bytes the disk may hold (0: as much as the file system has).
        self.limit = limit
        self._lock = threading.Lock()
        self._used = 0

    # ------------------------------------------------------------------ state

    def prepare(self) -> None:
        """Create the directory if needed and count what is on it (mounting)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.root.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(self.root))
        self.rescan()

    def writable(self) -> bool:
        """Whether files can be written here (a read-only mount or a refused write says no)."""
        try:
            if os.statvfs(self.root).f_flag & os.ST_RDONLY:
                return False
            probe = self.root / _PROBE
            probe.write_bytes(b"")
            probe.unlink()
        except OSError:
            return False
        return True

    def rescan(self) -> None:
        """Count every byte under the directory again."""
        used = _tree_size(self.root)
        with self._lock:
            self._used = used

    def charge(self, size: int) -> None:
        """``size`` bytes were written (negative: freed)."""
        with self._lock:
            self._used = max(0, self._used + size)

    def usage(self) -> Usage:
        """Size and free space now."""
        try:
            fs = os.statvfs(self.root)
        except OSError:
            return Usage(0, 0, MIN_RESERVE)
        fs_total, fs_free = fs.f_blocks * fs.f_frsize, fs.f_bavail * fs.f_frsize
        with self._lock:
            used = self._used
        if self.limit:
            total = min(self.limit, fs_total)
            free = max(0, min(self.limit - used, fs_free))
        else:
            total, free = fs_total, fs_free
        return Usage(total, min(free, total), reserve_for(total))

    def room_for(self, size: int) -> bool:
        """Whether ``size`` more bytes fit and leave the reserve free."""
        usage = self.usage()
        return usage.free - size >= usage.reserve

    # ------------------------------------------------------------------ paths

    def recording_dir(self, recording_id: str) -> Path:
        """The directory of a recording (its id checked: nothing leaves the disk)."""
        path = self.root / RECORDINGS / check_recording_id(recording_id)
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidParameter(f"Invalid recording id '{recording_id}'")
        return path

    def segment_path(self, recording_id: str, seq: int) -> Path:
        """Where segment ``seq`` of a recording lives once complete."""
        return self.recording_dir(recording_id) / segment_name(seq)

    def recording_dirs(self) -> list[Path]:
        """The recording directories on the disk (whatever the index says)."""
        base = self.root / RECORDINGS
        try:
            return sorted(p for p in base.iterdir() if p.is_dir() and not p.is_symlink())
        except FileNotFoundError:
            return []

    def remove_recording(self, recording_id: str) -> int:
        """Delete a recording's files; returns the bytes freed."""
        path = self.recording_dir(recording_id)
        freed = _tree_size(path)
        shutil.rmtree(path, ignore_errors=True)
        self.charge(-freed)
        return freed

    def remove_file(self, path: Path) -> int:
        """Delete one file of the disk; returns the bytes freed."""
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        self.charge(-size)
        return size

    def erase(self, progress: Callable[[int, int], None]) -> None:
        """Delete everything under the directory (format), telling ``progress(done, of)``."""
        entries = sorted(self.root.iterdir())
        for done, entry in enumerate(entries, 1):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            progress(done, len(entries))
        self.rescan()


def _tree_size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (symbolic links not followed)."""
    total = 0
    try:
        entries = list(os.scandir(path))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return 0
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            total += _tree_size(Path(entry.path))
        elif stat.S_ISREG(info.st_mode):
            total += info.st_size
    return total
