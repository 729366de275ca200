"""Fifo cleanup (``Storage.S0.CleanupPolicyActive=fifo``): which segments go (a pure choice),
and deleting them.

Axis's rules: parts of unlocked recordings older than ``CleanupMaxAge`` days go (0: no age
limit), and when the disk is used beyond ``CleanupLevel`` percent the oldest parts go until it
is not. The level is also brought down far enough that recording can go on (free space of at
least four times the writers' reserve), so a full disk becomes usable again.

Never touched: a locked recording, an active one (its closed segments included), one being
exported; nothing at all under ``none``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from ipcamd.db import Database
from ipcamd.storage import index
from ipcamd.storage.disk import Disk, Usage
from ipcamd.storage.model import CleanupPolicy, Recording, RecordingStatus, Segment

_LOGGER = logging.getLogger(__name__)

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class CleanupRules:
    """The disk's cleanup parameters."""

    policy: CleanupPolicy
    #: Percent of the disk above which the oldest parts go.
    level: int
    #: Days parts are kept (0: no limit).
    max_age: int


def target_used(usage: Usage, level: int) -> int:
    """Bytes a cleanup brings the disk down to."""
    return min(usage.total * level // 100, usage.total - 4 * usage.reserve)


def needed(usage: Usage, rules: CleanupRules) -> bool:
    """Whether the disk is above its level (or too full to record)."""
    return rules.policy is CleanupPolicy.FIFO and usage.used > target_used(usage, rules.level)


def choose(
    segments: Sequence[Segment],
    *,
    recordings: Mapping[str, Recording],
    keep: Collection[str],
    usage: Usage,
    rules: CleanupRules,
    now: float,
) -> list[Segment]:
    """The segments to delete, oldest first (``segments`` oldest first, as the index gives)."""
    if rules.policy is not CleanupPolicy.FIFO:
        return []

    def deletable(segment: Segment) -> bool:
        recording = recordings.get(segment.recording_id)
        return (
            recording is not None
            and not recording.locked
            and recording.status is RecordingStatus.INACTIVE
            and segment.recording_id not in keep
        )

    candidates = [s for s in segments if deletable(s)]
    chosen: list[Segment] = []
    if rules.max_age > 0:
        horizon = now - rules.max_age * DAY
        chosen = [s for s in candidates if s.stop < horizon]
    used = usage.used - sum(s.size for s in chosen)
    target = target_used(usage, rules.level)
    taken = {(s.recording_id, s.seq) for s in chosen}
    for segment in candidates:
        if used <= target:
            break
        if (segment.recording_id, segment.seq) not in taken:
            chosen.append(segment)
            used -= segment.size
    return chosen


def apply(disk: Disk, db: Database, chosen: Sequence[Segment]) -> int:
    """Delete the chosen segments' files and rows; a recording left without segments goes
    too (blocking: run it in a worker thread). Returns the bytes freed."""
    freed = 0
    by_recording: dict[str, list[int]] = {}
    for segment in chosen:
        freed += disk.remove_file(disk.segment_path(segment.recording_id, segment.seq))
        by_recording.setdefault(segment.recording_id, []).append(segment.seq)
    emptied = []
    for rid, seqs in by_recording.items():
        db.call(partial(index.delete_segments, rid=rid, seqs=seqs))
        if db.call(partial(index.segments, rid=rid)):
            db.call(partial(index.trim_start, rid=rid))
        else:
            emptied.append(rid)
    if emptied:
        db.call(partial(index.delete, rids=emptied))
        for rid in emptied:
            freed += disk.remove_recording(rid)
    _LOGGER.info(
        "Cleanup removed %s segments (%s kB) of %s recordings, %s of them whole",
        len(chosen),
        freed // 1024,
        len(by_recording),
        len(emptied),
    )
    return freed
