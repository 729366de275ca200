"""Recovery when the disk is mounted: the index and the files brought into agreement (files
checked before they count), on a real database and disk; the Matroska repair of a segment cut
by a crash."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import simplejpeg

from ipcamd.db import Database
from ipcamd.events import RecordingType
from ipcamd.storage import index
from ipcamd.storage.disk import Disk
from ipcamd.storage.matroska import SegmentWriter, complete_length, probe, repair
from ipcamd.storage.model import Recording, RecordingStatus, Segment
from ipcamd.storage.recovery import recover
from tests.storage.media import ffprobe

START = 1_800_000_000.0


def _jpeg(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    return simplejpeg.encode_jpeg(pixels, quality=70)


def _segment(path: Path, start: float, frames: int) -> SegmentWriter:
    """A segment being written with ``frames`` frames, 100 ms apart."""
    writer = SegmentWriter(path, start, 160, 120)
    for i in range(frames):
        writer.write(_jpeg(i), start + i / 10)
    return writer


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "ipcamd.sqlite3")
    database.call(index.create_tables)
    yield database
    database.close()


def _recording(db: Database, status: RecordingStatus) -> Recording:
    recording = Recording(
        str(uuid.uuid1()), 1, RecordingType.CONTINUOUS, "continuous", START, None, status, False
    )
    db.call(lambda c: index.insert_recording(c, recording))
    return recording


def test_a_crashed_recording_is_repaired_indexed_and_closed(tmp_path: Path, db: Database) -> None:
    disk = Disk(tmp_path / "sd", 0)
    disk.prepare()
    recording = _recording(db, RecordingStatus.ACTIVE)
    directory = disk.recording_dir(recording.id)
    directory.mkdir(parents=True)
    facts = _segment(directory / "000001.mkv", START, 10).close()
    segment = Segment(recording.id, 1, facts.start, facts.stop, facts.frames, facts.size)
    db.call(lambda c: index.add_segment(c, segment))
    _segment(directory / "000002.mkv", START + 1, 10).close()  # renamed, never indexed
    crashed = _segment(directory / "000003.mkv", START + 2, 10)  # flushed, never closed
    part = crashed.part
    shutil.copy(part, tmp_path / "copy.part")
    crashed.abandon()
    shutil.copy(tmp_path / "copy.part", part)
    with open(part, "ab") as file:
        file.write(b"\x1f\x43\xb6\x75\x01\x00\x00")  # the start of a cluster cut short
    db.call(lambda c: index.add_segment(c, Segment(recording.id, 9, START, START, 1, 1)))
    orphan = disk.root / "recordings" / str(uuid.uuid1())
    orphan.mkdir()
    foreign = disk.root / "recordings" / "not-ours"
    foreign.mkdir()

    report = recover(disk, db)

    assert report.repaired == [f"{recording.id}/000003.mkv"]
    assert report.indexed == [f"{recording.id}/000002.mkv"]
    assert report.dropped_rows == [f"{recording.id}/9"]
    assert report.closed == [recording.id]
    assert report.removed_dirs == [orphan.name]
    assert foreign.is_dir(), "a directory that is not a recording's is left alone"
    rows = db.call(lambda c: index.segments(c, recording.id))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert sorted(p.name for p in directory.iterdir()) == ["000001.mkv", "000002.mkv", "000003.mkv"]
    repaired = ffprobe(directory / "000003.mkv")
    assert 1 <= repaired.frames <= 9, "up to its last flushed frame"
    assert rows[2].frames == repaired.frames
    closed = db.call(lambda c: index.get(c, recording.id))
    assert closed is not None
    assert closed.status is RecordingStatus.INACTIVE
    assert closed.stop == pytest.approx(rows[2].stop)
    assert (closed.width, closed.height) == (160, 120) or closed.width == 0
    assert not recover(disk, db).changed(), "a second pass finds nothing to do"


def test_a_recording_whose_files_are_gone_is_dropped(tmp_path: Path, db: Database) -> None:
    disk = Disk(tmp_path / "sd", 0)
    disk.prepare()
    recording = _recording(db, RecordingStatus.INACTIVE)
    db.call(lambda c: index.add_segment(c, Segment(recording.id, 1, START, START, 1, 1)))
    report = recover(disk, db)
    assert report.dropped_recordings == [recording.id]
    assert db.call(index.all_recordings) == []


def test_a_part_with_nothing_playable_is_removed(tmp_path: Path, db: Database) -> None:
    disk = Disk(tmp_path / "sd", 0)
    disk.prepare()
    recording = _recording(db, RecordingStatus.ACTIVE)
    directory = disk.recording_dir(recording.id)
    directory.mkdir(parents=True)
    (directory / "000001.mkv.part").write_bytes(b"\x1a\x45\xdf\xa3garbage")
    report = recover(disk, db)
    assert report.dropped_recordings == [recording.id]
    assert not directory.exists()


def test_complete_length_keeps_whole_elements(tmp_path: Path) -> None:
    writer = _segment(tmp_path / "a.mkv", START, 5)
    flushed = writer.size()
    writer.abandon()
    part = tmp_path / "a.mkv.part"
    assert complete_length(part) <= part.stat().st_size
    data = part.read_bytes()
    cut = tmp_path / "cut.mkv.part"
    cut.write_bytes(data[: flushed - 10])
    length = complete_length(cut)
    assert 0 < length < flushed - 10
    facts = repair(cut, tmp_path / "cut.mkv")
    assert facts is not None
    assert facts.frames >= 1
    assert (tmp_path / "cut.mkv").stat().st_size == length
    assert ffprobe(tmp_path / "cut.mkv").frames == facts.frames
    (tmp_path / "junk").write_bytes(b"not matroska at all")
    assert complete_length(tmp_path / "junk") == 0
    assert probe(tmp_path / "junk") is None
