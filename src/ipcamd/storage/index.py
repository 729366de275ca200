"""The recordings index: two SQLite tables in the unit's database, one row per recording and
one per closed segment file.

Every function takes the connection and runs on the database thread (``Database.call`` /
``async_call``). A segment gets its row only after its file was closed, checked and renamed
(the files are the truth, the index their checked summary), so a crash can leave a file
without a row, never a row without a file; :mod:`ipcamd.storage.recovery` reconciles the two
when the disk is mounted.

Recordings are not configuration: they live on the disk, a backup does not carry them and a
factory default keeps them (as a real camera keeps its SD card), so the tables are not
registered as config tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ipcamd.events import RecordingType
from ipcamd.storage.model import Recording, RecordingStatus, Segment

SCHEMA = """
CREATE TABLE IF NOT EXISTS recording (
    id TEXT PRIMARY KEY,
    camera INTEGER NOT NULL,
    type TEXT NOT NULL,
    event_id TEXT NOT NULL,
    start REAL NOT NULL,
    stop REAL,
    status TEXT NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    fps REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS recording_segment (
    recording_id TEXT NOT NULL REFERENCES recording(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start REAL NOT NULL,
    stop REAL NOT NULL,
    frames INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (recording_id, seq)
);
CREATE INDEX IF NOT EXISTS recording_start ON recording(start);
"""

_COLUMNS = (
    "r.id, r.camera, r.type, r.event_id, r.start, r.stop, r.status, r.locked, r.width, "
    "r.height, r.fps, (SELECT COALESCE(SUM(s.frames), 0) FROM recording_segment s "
    "WHERE s.recording_id = r.id)"
)


@dataclass(frozen=True)
class RecordingQuery:
    """Which recordings ``list.cgi`` asks for (Axis's ``record/list.cgi`` arguments)."""

    #: None: all recordings.
    ids: tuple[str, ...] | None = None
    #: Recordings with any part at or after this time.
    start: float | None = None
    #: Recordings with any part at or before this time.
    stop: float | None = None
    event_id: str | None = None
    camera: int | None = None
    descending: bool = True
    #: Skip this many matches (``startatresultnumber``, counted from 0).
    offset: int = 0
    #: At most this many (``maxnumberofresults``).
    limit: int | None = None


@dataclass(frozen=True)
class RecordingPage:
    """The answer to a query: the page, how many matched, how many exist."""

    recordings: list[Recording]
    matched: int
    total: int


def create_tables(conn: sqlite3.Connection) -> None:
    """Create the index tables if this database has none yet."""
    conn.executescript(SCHEMA)


def _recording(row: tuple[Any, ...]) -> Recording:
    (rid, camera, kind, event_id, start, stop, status, locked, width, height, fps, frames) = row
    return Recording(
        id=rid,
        camera=camera,
        type=RecordingType(kind),
        event_id=event_id,
        start=start,
        stop=stop,
        status=RecordingStatus(status),
        locked=bool(locked),
        width=width,
        height=height,
        fps=fps,
        frames=frames,
    )


def insert_recording(conn: sqlite3.Connection, recording: Recording) -> None:
    """A new recording (active, no segment yet)."""
    conn.execute(
        "INSERT INTO recording(id, camera, type, event_id, start, stop, status, locked, width, "
        "height, fps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            recording.id,
            recording.camera,
            recording.type.value,
            recording.event_id,
            recording.start,
            recording.stop,
            recording.status.value,
            int(recording.locked),
            recording.width,
            recording.height,
            recording.fps,
        ),
    )


def set_picture(conn: sqlite3.Connection, rid: str, start: float, width: int, height: int) -> None:
    """The first frame arrived: the recording starts at its time and has its size."""
    conn.execute(
        "UPDATE recording SET start = ?, width = ?, height = ? WHERE id = ?",
        (start, width, height, rid),
    )


def add_segment(conn: sqlite3.Connection, segment: Segment) -> None:
    """A closed, checked segment file of a recording."""
    conn.execute(
        "INSERT OR REPLACE INTO recording_segment(recording_id, seq, start, stop, frames, size) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            segment.recording_id,
            segment.seq,
            segment.start,
            segment.stop,
            segment.frames,
            segment.size,
        ),
    )


def finish(conn: sqlite3.Connection, rid: str, stop: float | None) -> None:
    """The recording was closed; ``stop`` is its last frame's time (None: it has no frame,
    and it ends where it started)."""
    conn.execute(
        "UPDATE recording SET status = ?, stop = COALESCE(?, start) WHERE id = ?",
        (RecordingStatus.INACTIVE.value, stop, rid),
    )


def set_locked(conn: sqlite3.Connection, rid: str, locked: bool) -> None:
    """Lock (keep from every cleanup and removal) or unlock a recording."""
    conn.execute("UPDATE recording SET locked = ? WHERE id = ?", (int(locked), rid))


def get(conn: sqlite3.Connection, rid: str) -> Recording | None:
    """One recording, or None."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM recording r WHERE r.id = ?", (rid,)).fetchone()  # noqa: S608
    return None if row is None else _recording(row)


def all_recordings(conn: sqlite3.Connection) -> list[Recording]:
    """Every recording, oldest first."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM recording r ORDER BY r.start, r.id").fetchall()  # noqa: S608
    return [_recording(row) for row in rows]


def query(conn: sqlite3.Connection, wanted: RecordingQuery) -> RecordingPage:
    """The recordings ``wanted`` names, sorted by start time, one page of them."""
    where: list[str] = []
    values: list[object] = []
    if wanted.ids is not None:
        where.append(f"r.id IN ({','.join('?' * len(wanted.ids))})" if wanted.ids else "0")
        values.extend(wanted.ids)
    if wanted.start is not None:
        where.append("(r.stop IS NULL OR r.stop >= ?)")
        values.append(wanted.start)
    if wanted.stop is not None:
        where.append("r.start <= ?")
        values.append(wanted.stop)
    if wanted.event_id is not None:
        where.append("r.event_id = ?")
        values.append(wanted.event_id)
    if wanted.camera is not None:
        where.append("r.camera = ?")
        values.append(wanted.camera)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    total = int(conn.execute("SELECT COUNT(*) FROM recording").fetchone()[0])
    matched = int(
        conn.execute(f"SELECT COUNT(*) FROM recording r{clause}", values).fetchone()[0]  # noqa: S608
    )
    order = "DESC" if wanted.descending else "ASC"
    limit = -1 if wanted.limit is None else wanted.limit
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM recording r{clause} ORDER BY r.start {order}, r.id {order} "  # noqa: S608
        "LIMIT ? OFFSET ?",
        [*values, limit, wanted.offset],
    ).fetchall()
    return RecordingPage([_recording(row) for row in rows], matched, total)


_SEGMENTS = "SELECT recording_id, seq, start, stop, frames, size FROM recording_segment"


def segments(conn: sqlite3.Connection, rid: str) -> list[Segment]:
    """The closed segments of a recording, in order."""
    rows = conn.execute(f"{_SEGMENTS} WHERE recording_id = ? ORDER BY seq", (rid,)).fetchall()
    return [_segment(row) for row in rows]


def all_segments(conn: sqlite3.Connection) -> list[Segment]:
    """Every closed segment, oldest first (what cleanup chooses from)."""
    rows = conn.execute(f"{_SEGMENTS} ORDER BY start, recording_id, seq").fetchall()
    return [_segment(row) for row in rows]


def _segment(row: tuple[Any, ...]) -> Segment:
    return Segment(*row)


def delete_segments(conn: sqlite3.Connection, rid: str, seqs: Iterable[int]) -> None:
    """Forget segments of a recording (their files are gone)."""
    conn.executemany(
        "DELETE FROM recording_segment WHERE recording_id = ? AND seq = ?",
        [(rid, seq) for seq in seqs],
    )


def trim_start(conn: sqlite3.Connection, rid: str) -> None:
    """After old segments went: the recording starts at its first remaining segment."""
    conn.execute(
        "UPDATE recording SET start = (SELECT MIN(start) FROM recording_segment "
        "WHERE recording_id = ?) WHERE id = ? AND EXISTS "
        "(SELECT 1 FROM recording_segment WHERE recording_id = ?)",
        (rid, rid, rid),
    )


def delete(conn: sqlite3.Connection, rids: Iterable[str]) -> None:
    """Forget recordings and their segments."""
    conn.executemany("DELETE FROM recording WHERE id = ?", [(rid,) for rid in rids])


def clear(conn: sqlite3.Connection) -> None:
    """Forget every recording (the disk was formatted)."""
    conn.execute("DELETE FROM recording")
