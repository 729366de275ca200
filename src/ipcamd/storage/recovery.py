"""Bringing the index and the files into agreement when the disk is mounted (after a crash too).

The files are the truth, checked before they count (frigate's rule: a segment is indexed once
closed and checked, never trusted while open):

- a ``.part`` a crash left is repaired (cut after its last whole element, checked by demuxing)
  and indexed as the recording's last segment; it plays up to its last flushed frame;
- a complete segment file without a row (a crash between its rename and its row) is checked
  and indexed;
- a row whose file is gone is dropped; a recording with no segment left is dropped;
- a recording that was active when the unit stopped is closed at its last frame;
- a recording directory the index does not know (a crash before its row was written) is
  removed.

Blocking (file system and database): run it in a worker thread.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass, field
from functools import partial

from ipcamd.db import Database
from ipcamd.errors import InvalidParameter
from ipcamd.storage import index
from ipcamd.storage.disk import Disk
from ipcamd.storage.matroska import PART_SUFFIX, SegmentFacts, probe, repair
from ipcamd.storage.model import Recording, RecordingStatus, Segment, check_recording_id

_LOGGER = logging.getLogger(__name__)

_SEGMENT_FILE = re.compile(r"([0-9]{6})\.mkv")


@dataclass
class Report:
    """What recovery changed (for the log and the tests)."""

    repaired: list[str] = field(default_factory=list)
    indexed: list[str] = field(default_factory=list)
    dropped_rows: list[str] = field(default_factory=list)
    dropped_recordings: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    removed_dirs: list[str] = field(default_factory=list)

    def changed(self) -> bool:
        """Whether anything disagreed."""
        return any(vars(self).values())


def recover(disk: Disk, db: Database) -> Report:
    """Reconcile the index with the disk's files (see the module docstring)."""
    report = Report()
    recordings = {r.id: r for r in db.call(index.all_recordings)}
    for directory in disk.recording_dirs():
        try:
            rid = check_recording_id(directory.name)
        except InvalidParameter:
            continue  # not ours: a format removes it, nothing else does
        if rid not in recordings or rid != directory.name:
            shutil.rmtree(directory, ignore_errors=True)
            report.removed_dirs.append(directory.name)
    for recording in recordings.values():
        _recover_recording(disk, db, recording, report)
    disk.rescan()
    if report.changed():
        _LOGGER.warning("Recordings recovered after an unclean stop: %s", _summary(report))
    return report


def _recover_recording(disk: Disk, db: Database, recording: Recording, report: Report) -> None:
    directory = disk.recording_dir(recording.id)
    rows = {s.seq: s for s in db.call(partial(index.segments, rid=recording.id))}
    found: dict[int, SegmentFacts] = {}
    for path in sorted(directory.glob("*.mkv" + PART_SUFFIX)) if directory.is_dir() else []:
        seq = _seq_of(path.name.removesuffix(PART_SUFFIX))
        final = path.with_name(path.name.removesuffix(PART_SUFFIX))
        if seq is None or final.exists():
            path.unlink(missing_ok=True)
            continue
        facts = repair(path, final)
        if facts is not None:
            found[seq] = facts
            report.repaired.append(f"{recording.id}/{final.name}")
    for path in sorted(directory.glob("*.mkv")) if directory.is_dir() else []:
        seq = _seq_of(path.name)
        if seq is None or seq in rows or seq in found:
            continue
        facts = probe(path)
        if facts is None:
            path.unlink(missing_ok=True)
            continue
        found[seq] = facts
        report.indexed.append(f"{recording.id}/{path.name}")
    for seq, facts in found.items():
        segment = Segment(recording.id, seq, facts.start, facts.stop, facts.frames, facts.size)
        db.call(partial(index.add_segment, segment=segment))
        rows[seq] = segment
        if not recording.width:
            db.call(
                partial(
                    index.set_picture,
                    rid=recording.id,
                    start=min(recording.start, facts.start),
                    width=facts.width,
                    height=facts.height,
                )
            )
    missing = [seq for seq in rows if not disk.segment_path(recording.id, seq).is_file()]
    if missing:
        db.call(partial(index.delete_segments, rid=recording.id, seqs=missing))
        report.dropped_rows += [f"{recording.id}/{seq}" for seq in missing]
        for seq in missing:
            rows.pop(seq)
    if not rows:
        db.call(partial(index.delete, rids=[recording.id]))
        if directory.is_dir():
            shutil.rmtree(directory, ignore_errors=True)
        report.dropped_recordings.append(recording.id)
        return
    db.call(partial(index.trim_start, rid=recording.id))
    if recording.status is RecordingStatus.ACTIVE:
        db.call(partial(index.finish, rid=recording.id, stop=max(s.stop for s in rows.values())))
        report.closed.append(recording.id)


def _seq_of(name: str) -> int | None:
    match = _SEGMENT_FILE.fullmatch(name)
    return int(match.group(1)) if match else None


def _summary(report: Report) -> str:
    parts = []
    for label, items in vars(report).items():
        if items:
            parts.append(f"{label.replace('_', ' ')} {len(items)}")
    return ", ".join(parts)
