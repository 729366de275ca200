"""The pure parts of storage: ids, times, frame rates, options, the cleanup choice, and XML that
stays well-formed whatever text goes into it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipcamd.errors import InvalidParameter
from ipcamd.events import RecordingType
from ipcamd.http import storage_xml
from ipcamd.storage.cleanup import CleanupRules, choose
from ipcamd.storage.disk import Usage
from ipcamd.storage.model import (
    CleanupPolicy,
    Recording,
    RecordingStatus,
    Segment,
    check_recording_id,
    local_text,
    parse_time,
    recording_ids,
    utc_text,
)
from ipcamd.storage.options import parse_options

RID = "0237d4aa-506b-11d5-83d8-00408c903eb5"


def test_recording_ids() -> None:
    assert check_recording_id(RID.upper()) == RID
    assert recording_ids("all") is None
    assert recording_ids(f"{RID},{RID}") == [RID]
    for bad in ("", "..", "../x", RID + "/", RID[:-1], RID + "\x00", "g" * 36, f"{RID},x"):
        with pytest.raises(InvalidParameter):
            recording_ids(bad)


def test_times_as_the_spec_writes_them() -> None:
    when = datetime(2001, 5, 24, 17, 34, 20, 648568, tzinfo=UTC).timestamp()
    assert utc_text(when) == "2001-05-24T17:34:20.648568Z"
    local = datetime.fromtimestamp(when, timezone(timedelta(hours=2)))
    assert local_text(local) == "2001-05-24T19:34:20.648568+0200"
    assert parse_time("2001-05-24T17:34:20.648568Z", "t") == pytest.approx(when)
    assert parse_time("2001-05-24T19:34:20.648568+02:00", "t") == pytest.approx(when)
    assert parse_time("2001-05-24T12:34:20.648568-0500", "t") == pytest.approx(when)
    for bad in ("2001-05-24", "2001-05-24T17:34:20", "2001-02-30T00:00:00Z", "now", "x" * 99):
        with pytest.raises(InvalidParameter):
            parse_time(bad, "starttime")


@pytest.mark.parametrize(
    ("fps", "frames", "span", "text"),
    [(15, 0, None, "15:1"), (7.5, 0, None, "15:2"), (0, 31, 3.0, "10:1"), (0, 0, None, "0:1")],
)
def test_frame_rates(fps: float, frames: int, span: float | None, text: str) -> None:
    recording = Recording(
        RID,
        1,
        RecordingType.CONTINUOUS,
        "",
        0,
        None,
        RecordingStatus.ACTIVE,
        False,
        fps=fps,
        frames=frames,
    )
    assert recording.framerate(span) == text


def test_options() -> None:
    assert parse_options("") == {}
    assert parse_options("fps=5&resolution=QCIF") == {"fps": "5", "resolution": "QCIF"}
    for bad in ("fps", "fps=101", "resolution=9x9", "camera=2", "fps=1&fps=2", "a=b", "fps=x"):
        with pytest.raises(InvalidParameter):
            parse_options(bad)


def _recording(rid: str, *, locked: bool = False, active: bool = False) -> Recording:
    status = RecordingStatus.ACTIVE if active else RecordingStatus.INACTIVE
    return Recording(rid, 1, RecordingType.CONTINUOUS, "", 0, None, status, locked)


def test_cleanup_takes_the_oldest_unprotected_parts_first() -> None:
    rids = ["a", "locked", "active", "exported", "b"]
    recordings = {
        "a": _recording("a"),
        "locked": _recording("locked", locked=True),
        "active": _recording("active", active=True),
        "exported": _recording("exported"),
        "b": _recording("b"),
    }
    segments = [
        Segment(rid, seq, t, t + 1, 10, 100)
        for t, (rid, seq) in enumerate([(r, s) for s in (1, 2) for r in rids])
    ]
    usage = Usage(total=10_000, free=10_000 - 1000, reserve=10)
    rules = CleanupRules(CleanupPolicy.FIFO, level=5, max_age=0)
    chosen = choose(
        segments, recordings=recordings, keep={"exported"}, usage=usage, rules=rules, now=0
    )
    assert [(s.recording_id, s.seq) for s in chosen] == [("a", 1), ("b", 1), ("a", 2), ("b", 2)]
    none = CleanupRules(CleanupPolicy.NONE, level=5, max_age=0)
    assert choose(segments, recordings=recordings, keep=set(), usage=usage, rules=none, now=0) == []
    by_age = CleanupRules(CleanupPolicy.FIFO, level=99, max_age=1)
    old = choose(
        segments, recordings=recordings, keep=set(), usage=usage, rules=by_age, now=86400 + 7
    )
    assert {(s.recording_id, s.seq) for s in old} == {("a", 1), ("exported", 1), ("b", 1), ("a", 2)}


@given(st.text(max_size=40))
def test_xml_is_well_formed_whatever_the_text(text: str) -> None:
    root = storage_xml.result("remove", {"recordingid": text}, error=text, message="errormsg")
    parsed = ET.fromstring(storage_xml.document(root))
    item = parsed.find("remove")
    assert item is not None
    assert item.attrib["result"] == "ERROR"
    if all(c.isprintable() and c not in "\ufffe\uffff" for c in text):
        assert item.attrib["recordingid"] == text
    error = ET.fromstring(storage_xml.document(storage_xml.export_error(20, text)))
    assert error.findtext("./GeneralError/ErrorCode") == "20"
