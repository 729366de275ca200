"""Export (Axis's ``record/export/exportrecording.cgi``): one Matroska file, streamed, that
ffprobe, ffmpeg and VLC play; a time range cuts it; properties and capabilities; bad input."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ipcamd.storage.model import utc_text
from ipcamd.storage.recorder import RecordingRequest
from tests.spec.raw import exchange, open_raw
from tests.storage.helpers import export, holds, recording_dir, recordings, update, wait_until, xml
from tests.storage.media import decodes, ffprobe, vlc_plays
from tests.support import Camera

SMALL = {"resolution": "160x120", "fps": "10"}
EXPORT = "/axis-cgi/record/export/exportrecording.cgi"


async def _recorded(camera: Camera, frames: int = 35) -> str:
    """A stopped recording of about ``frames`` frames in one-second segments; its id."""
    await update(camera, "Recording.DefaultSplitDuration=1")
    storage = camera.device.storage
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(
        lambda: holds(storage.recorder.frames(recording.id) >= frames), what=f"{frames} frames"
    )
    await storage.stop_recording(recording.id)
    return recording.id


def _segment_times(camera: Camera, rid: str) -> list[float]:
    """Every frame's time, from the segments on disk (their start plus each packet's pts)."""
    rows = camera.device.db.call(
        lambda c: c.execute(
            "SELECT seq, start FROM recording_segment WHERE recording_id=? ORDER BY seq", (rid,)
        ).fetchall()
    )
    times = []
    for seq, start in rows:
        probe = ffprobe(recording_dir(camera, rid) / f"{seq:06d}.mkv")
        times += [start + pts for pts in probe.pts]
    return times


async def test_a_recording_exports_as_one_playable_file(camera: Camera, tmp_path: Path) -> None:
    rid = await _recorded(camera)
    reply = await camera.get(
        f"{EXPORT}?schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
    )
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "video/x-matroska"
    disposition = reply.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="[0-9]{8}_[0-9]{6}_[0-9]{8}_[0-9]{6}\.mkv"', disposition
    )
    assert reply.headers.get("Transfer-Encoding") == "chunked", "streamed, not built first"
    path = tmp_path / "export.mkv"
    path.write_bytes(reply.body)
    times = await asyncio.to_thread(_segment_times, camera, rid)
    probe = await asyncio.to_thread(ffprobe, path)
    assert (probe.codec, probe.width, probe.height) == ("mjpeg", 160, 120)
    assert probe.frames == len(times), "every recorded frame, none twice"
    assert probe.pts[0] == 0.0
    expected = [round(t - times[0], 3) for t in times]
    assert [round(p, 3) for p in probe.pts] == pytest.approx(expected, abs=0.002)
    assert probe.duration is not None
    assert probe.duration == pytest.approx(times[-1] - times[0], abs=0.25)
    await asyncio.to_thread(decodes, path)
    assert await asyncio.to_thread(vlc_plays, path) > 0


async def test_a_time_range_cuts_the_export(camera: Camera, tmp_path: Path) -> None:
    rid = await _recorded(camera, frames=40)
    times = await asyncio.to_thread(_segment_times, camera, rid)
    low, high = times[8] - 0.01, times[27] + 0.01
    body = await export(camera, rid, f"&starttime={utc_text(low)}&stoptime={utc_text(high)}")
    path = tmp_path / "cut.mkv"
    path.write_bytes(body)
    probe = await asyncio.to_thread(ffprobe, path)
    assert probe.frames == 20
    assert probe.pts[-1] == pytest.approx(times[27] - times[8], abs=0.002)
    assert await asyncio.to_thread(vlc_plays, path) > 0
    props = await xml(
        camera,
        "/axis-cgi/record/export/properties.cgi?schemaversion=1&recordingid="
        f"{rid}&diskid=SD_DISK&starttime={utc_text(low)}&stoptime={utc_text(high)}",
    )
    (item,) = props.iter("ExportProperties")
    assert item.attrib["RecordingId"] == rid
    assert item.attrib["ExportFormat"] == "matroska"
    assert item.attrib["Starttime"] == utc_text(times[8])
    assert item.attrib["Stoptime"] == utc_text(times[27])
    assert int(item.attrib["EstimatedFileSize"]) > 0


async def test_a_file_name_and_a_range_with_offsets(camera: Camera) -> None:
    rid = await _recorded(camera, frames=15)
    reply = await camera.get(
        f"{EXPORT}?schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
        "&filename=caf%C3%A9%20door&starttime=2000-01-01T01:00:00%2B01:00"
    )
    assert reply.status == 200
    assert reply.headers["Content-Disposition"] == (
        "attachment; filename=\"caf? door.mkv\"; filename*=UTF-8''caf%C3%A9%20door.mkv"
    )


async def test_an_active_recording_exports_up_to_now(camera: Camera, tmp_path: Path) -> None:
    await update(camera, "Recording.DefaultSplitDuration=60")
    storage = camera.device.storage
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) >= 12), what="frames")
    assert not list(recording_dir(camera, recording.id).glob("*.mkv")), "nothing closed yet"
    path = tmp_path / "live.mkv"
    path.write_bytes(await export(camera, recording.id))
    probe = await asyncio.to_thread(ffprobe, path)
    assert probe.frames >= 10, "what the open segment holds so far"
    assert await asyncio.to_thread(vlc_plays, path) > 0
    await storage.stop_recording(recording.id)


async def test_head_of_an_export_sends_the_head_only(camera: Camera) -> None:
    rid = await _recorded(camera, frames=5)
    reply = await exchange(
        camera.server.port,
        f"{EXPORT}?schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska",
        method="HEAD",
    )
    assert reply.status == 200
    assert reply.header("Content-Type") == "video/x-matroska"
    assert reply.header("Content-Disposition") is not None


async def test_a_client_that_goes_away_ends_the_export(camera: Camera) -> None:
    rid = await _recorded(camera, frames=30)
    target = f"{EXPORT}?schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
    async with open_raw(camera.server.port, target) as (head, reader):
        assert head.status == 200
        await reader.read(100)
    storage = camera.device.storage
    await wait_until(lambda: holds(not storage.exports.ids()), what="the export to end")
    assert len(await export(camera, rid)) > 1000, "the unit exports again"


def _error(body: bytes) -> tuple[int, str]:
    root = ET.fromstring(body)
    assert root.tag == "ExportRecordingResponse"
    code = root.findtext("./GeneralError/ErrorCode")
    description = root.findtext("./GeneralError/ErrorDescription")
    assert code is not None
    assert description is not None
    return int(code), description


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("recordingid={rid}&diskid=SD_DISK&exportformat=matroska", 20),  # no schemaversion
        ("schemaversion=2&recordingid={rid}&diskid=SD_DISK&exportformat=matroska", 20),
        ("schemaversion=1&diskid=SD_DISK&exportformat=matroska", 20),
        ("schemaversion=1&recordingid={rid}&exportformat=matroska", 20),
        ("schemaversion=1&recordingid={rid}&diskid=SD_DISK", 20),
        ("schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=avi", 20),
        ("schemaversion=1&recordingid={rid}&diskid=NetworkShare&exportformat=matroska", 110),
        ("schemaversion=1&recordingid=../../etc&diskid=SD_DISK&exportformat=matroska", 20),
        (
            "schemaversion=1&recordingid=00000000-0000-0000-0000-000000000000&diskid=SD_DISK"
            "&exportformat=matroska",
            110,
        ),
        (
            "schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
            "&starttime=2030-01-01T00:00:00Z&stoptime=2020-01-01T00:00:00Z",
            20,
        ),
        (
            "schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
            "&starttime=2999-01-01T00:00:00Z",
            20,
        ),
        (
            "schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
            "&stoptime=1999-01-01T00:00:00Z",
            20,
        ),
        (
            "schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
            "&starttime=yesterday",
            20,
        ),
        (
            "schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
            "&filename=..%2F..%2Fx",
            20,
        ),
        (
            "schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
            "&password=x&encryptionformat=zip-aes256",
            20,
        ),
        ("schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska&x=1", 20),
    ],
)
async def test_bad_exports_are_general_errors(camera: Camera, query: str, code: int) -> None:
    rid = await _recorded(camera, frames=3)
    reply = await camera.get(f"{EXPORT}?{query.format(rid=rid)}")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/xml"
    assert _error(reply.body)[0] == code


async def test_capabilities(camera: Camera) -> None:
    root = await xml(camera, "/axis-cgi/record/export/capabilities.cgi?schemaversion=1")
    (item,) = root.iter("ExportCapabilities")
    assert item.attrib == {"ExportFormat": "matroska"}
    reply = await camera.get("/axis-cgi/record/export/capabilities.cgi")
    assert _error(reply.body)[0] == 20


async def test_a_removed_recording_cannot_be_exported(camera: Camera) -> None:
    rid = await _recorded(camera, frames=3)
    await xml(camera, f"/remove.cgi?recordingid={rid}")
    assert await recordings(camera) == []
    reply = await camera.get(
        f"{EXPORT}?schemaversion=1&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
    )
    assert _error(reply.body)[0] == 110
