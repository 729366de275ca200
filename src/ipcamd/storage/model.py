"""Value objects of local storage: the disk's state, recordings, segments, and their texts.

Pure data and parsing, no I/O: what ``list.cgi`` shows (5.9.3, 5.9.4) is built from these, and
every identifier a request names is checked here before anything looks at the disk.

Times are seconds since the epoch on the *device* clock (the host clock plus the offset
``date.cgi`` sets), the clock a real camera stamps its recordings with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

from ipcamd.errors import InvalidParameter
from ipcamd.events import RecordingType

#: The one disk of the unit (spec 5.9: "SD_DISK").
DISK_ID = "SD_DISK"
#: The MIME type of what the recorder stores (JPEG frames in Matroska).
VIDEO_MIME = "image/jpeg"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: ``2001-05-24T17:34:20Z``, ``…20.648568Z``, ``…20+01:00``, ``…20.5-0500``.
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})"
)


class DiskStatus(StrEnum):
    """``status`` of a disk in ``list.cgi`` (the values of Axis's disk management API)."""

    #: Mounted and usable.
    OK = "OK"
    #: Present but not mounted (after ``umount``, during ``format``).
    CONNECTED = "connected"
    #: The directory cannot be used (missing and cannot be created, not a directory).
    FAILED = "failed"


class CleanupPolicy(StrEnum):
    """``Storage.S0.CleanupPolicyActive``: whether the unit deletes old recordings itself."""

    NONE = "none"
    FIFO = "fifo"


class RecordingStatus(StrEnum):
    """``recordingstatus`` of a recording: being written, or closed."""

    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class DiskInfo:
    """One ``<disk>`` of ``list.cgi``: sizes in kilobytes (1024 bytes), as Axis devices count."""

    diskid: str
    total_kb: int
    free_kb: int
    cleanup_level: int
    cleanup_max_age: int
    cleanup_policy: CleanupPolicy
    locked: bool
    full: bool
    readonly: bool
    status: DiskStatus


@dataclass(frozen=True, slots=True)
class Recording:
    """One recording as the index holds it (``stop`` is None while it is being written)."""

    id: str
    camera: int
    type: RecordingType
    event_id: str
    start: float
    stop: float | None
    status: RecordingStatus
    locked: bool
    width: int = 0
    height: int = 0
    #: The frame rate asked for (0: as the camera delivers).
    fps: float = 0.0
    #: Frames in the closed segments.
    frames: int = 0
    diskid: str = DISK_ID

    @property
    def resolution(self) -> str:
        """``640x480`` (empty before the first frame told the size)."""
        return f"{self.width}x{self.height}" if self.width and self.height else ""

    def framerate(self, span: float | None = None) -> str:
        """``15:1``: the rate asked for, else the rate measured over ``span`` seconds."""
        if self.fps > 0:
            return _rate(self.fps)
        if span and span > 0 and self.frames > 1:
            return _rate((self.frames - 1) / span)
        return "0:1"


@dataclass(frozen=True, slots=True)
class Segment:
    """One closed segment file of a recording: frames from ``start`` to ``stop``."""

    recording_id: str
    seq: int
    start: float
    stop: float
    frames: int
    size: int

    @property
    def filename(self) -> str:
        """``000001.mkv``: the name of its file in the recording's directory."""
        return segment_name(self.seq)


def segment_name(seq: int) -> str:
    """The file name of segment ``seq`` of a recording."""
    return f"{seq:06d}.mkv"


def _rate(fps: float) -> str:
    """A frame rate as ``list.cgi`` writes it: ``15:1``, ``15:2`` for 7.5, at least ``1:1000``."""
    for denominator in (1, 2, 4, 5, 10, 100, 1000):
        numerator = round(fps * denominator)
        if numerator and abs(numerator / denominator - fps) < 0.01:
            return f"{numerator}:{denominator}"
    return "1:1000"


def check_recording_id(raw: str) -> str:
    """A recording id as the recorder makes them (a UUID), lower-cased; InvalidParameter for
    anything else, so no path built from one can leave its disk."""
    lowered = raw.lower()
    if not _UUID.fullmatch(lowered):
        raise InvalidParameter(f"Invalid recording id '{raw}'")
    return lowered


def recording_ids(raw: str) -> list[str] | None:
    """``all`` (None) or a comma-separated list of recording ids, each checked."""
    if raw == "all":
        return None
    items = raw.split(",")
    ids = [check_recording_id(item.strip()) for item in items]
    return list(dict.fromkeys(ids))


def parse_time(raw: str, name: str) -> float:
    """A UTC ISO 8601 time as the recording API takes it (``2011-08-12T08:12:11Z``, a fraction
    and an offset ``+01:00`` allowed) as seconds since the epoch."""
    match = _TIME.fullmatch(raw)
    if not match:
        raise InvalidParameter(f"Invalid {name} '{raw}' (e.g. 2011-08-12T08:12:11Z)")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    if zone == "Z":
        tz = UTC
    else:
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= timedelta(hours=24):
            raise InvalidParameter(f"Invalid {name} '{raw}' (offset out of range)")
        tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        instant = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as err:
        raise InvalidParameter(f"Invalid {name} '{raw}' ({err})") from err
    return instant.timestamp() + (float(fraction) if fraction else 0.0)


def utc_text(when: float) -> str:
    """``2001-05-24T17:34:20.648568Z`` (spec 5.9.4's ``starttime``)."""
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_text(local: datetime) -> str:
    """``2001-05-24T17:34:20.648568+0000`` (spec 5.9.4's ``starttimelocal``)."""
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f%z")


def compact_text(when: float) -> str:
    """``20121219_123456``: a time as Axis names exported files (UTC)."""
    return datetime.fromtimestamp(when, UTC).strftime("%Y%m%d_%H%M%S")
