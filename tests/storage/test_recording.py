"""Recording end to end: continuous recording by parameter, triggered recordings with
pre-trigger frames through the service API, record.cgi/stop.cgi, the bus events, the segment
files (Matroska, JPEG copied, timestamps from the frames) and the recorder as an internal
consumer."""

from __future__ import annotations

import asyncio

from ipcamd.events import RecordingEvent, RecordingStarted, RecordingStopped, RecordingType
from ipcamd.storage.recorder import RecordingRequest
from ipcamd.video.consumers import ConsumerKind
from tests.conftest import CameraFactory
from tests.storage.helpers import (
    OPTIONS,
    holds,
    record_continuously,
    recording_dir,
    recordings,
    update,
    wait_active,
    wait_until,
    xml,
)
from tests.storage.media import ffprobe
from tests.support import Camera

SMALL = {"resolution": "160x120", "fps": "10"}


async def test_continuous_recording_runs_while_enabled(camera: Camera) -> None:
    bus = camera.device.bus
    with bus.subscribe(RecordingEvent) as events:
        await record_continuously(camera)
        active = await wait_active(camera, segments=2)
        assert active["recordingtype"] == "continuous"
        assert active["eventid"] == "continuous"
        assert active["diskid"] == "SD_DISK"
        assert active["stoptime"] == active["stoptimelocal"] == ""
        assert active["locked"] == "no"
        rid = active["recordingid"]
        await update(camera, "Recording.Continuous.I0.Enabled=no")

        async def stopped() -> bool:
            return [r["recordingstatus"] for r in await recordings(camera)] == ["inactive"]

        await wait_until(stopped, what="the recording to stop")
        started = await asyncio.wait_for(events.get(), 10)
        ended = await asyncio.wait_for(events.get(), 10)
    assert started == RecordingStarted(rid, 1, RecordingType.CONTINUOUS)
    assert ended == RecordingStopped(rid, 1, RecordingType.CONTINUOUS)
    (done,) = await recordings(camera)
    assert done["stoptime"].endswith("Z")
    assert done["stoptime"] > done["starttime"]
    root = await xml(camera, "/list.cgi?recordingid=" + rid)
    video = root.find("./recordings/recording/video")
    assert video is not None
    assert video.attrib["mimetype"] == "image/jpeg"
    assert video.attrib["resolution"] == "160x120"
    assert video.attrib["framerate"] == "10:1"
    directory = recording_dir(camera, rid)
    assert not list(directory.glob("*.part")), "every segment is complete once stopped"
    rows = camera.device.db.call(
        lambda c: c.execute(
            "SELECT seq, frames FROM recording_segment WHERE recording_id=? ORDER BY seq", (rid,)
        ).fetchall()
    )
    assert [f"{seq:06d}.mkv" for seq, _ in rows] == sorted(p.name for p in directory.iterdir())
    for seq, frames in rows:
        probe = await asyncio.to_thread(ffprobe, directory / f"{seq:06d}.mkv")
        assert (probe.codec, probe.width, probe.height) == ("mjpeg", 160, 120)
        assert probe.frames == frames > 0


async def test_segments_hold_the_jpeg_frames_at_their_times(camera: Camera) -> None:
    """JPEG copied as they are; each packet's time is its frame's (10 a second: 100 ms)."""
    await record_continuously(camera)
    rec = await wait_active(camera, segments=1)
    first = sorted(recording_dir(camera, rec["recordingid"]).glob("*.mkv"))[0]
    probe = await asyncio.to_thread(ffprobe, first)
    steps = [b - a for a, b in zip(probe.pts, probe.pts[1:], strict=False)]
    assert probe.pts[0] == 0.0
    assert steps
    assert all(0.02 <= step <= 0.5 for step in steps), steps
    assert 0.07 <= sum(steps) / len(steps) <= 0.14, steps


async def test_the_recorder_is_an_internal_consumer(camera: Camera) -> None:
    await update(camera, "Image.MaxViewers=1")
    await record_continuously(camera)
    await wait_active(camera)
    kinds = {c.name: c.kind for c in camera.device.video.consumers()}
    assert kinds["recorder 1"] is ConsumerKind.INTERNAL
    reply = await camera.get("/axis-cgi/jpg/image.cgi?resolution=160x120")
    assert reply.status == 200, "the recorder takes no viewer slot"


async def test_a_triggered_recording_starts_with_its_pre_trigger_frames(camera: Camera) -> None:
    storage = camera.device.storage
    with storage.hold_pre_trigger(1, 2.0, SMALL) as hold:
        await wait_until(
            lambda: holds(storage.recorder.buffered(1, SMALL) >= 1.5), what="1.5 s buffered"
        )
        asked = camera.device.clock.timestamp()
        recording = await storage.start_recording(
            RecordingRequest(1, RecordingType.TRIGGERED, "door", SMALL, pre_trigger=1.5)
        )
        hold.release()
        assert recording.start <= asked - 1.2, (asked, recording.start)
        await wait_until(
            lambda: holds(storage.recorder.frames(recording.id) >= 20), what="20 frames"
        )
        stopped = await storage.stop_recording(recording.id)
    assert stopped.stop is not None
    assert stopped.stop >= asked
    (listed,) = await recordings(camera)
    assert listed["recordingtype"] == "triggered"
    assert listed["eventid"] == "door"
    assert listed["recordingstatus"] == "inactive"
    assert storage.recorder.buffered(1, SMALL) == 0.0, "released holds keep nothing"


async def test_a_locked_request_gives_a_locked_recording(camera: Camera) -> None:
    storage = camera.device.storage
    recording = await storage.start_recording(
        RecordingRequest(1, event_id="alarm", options=SMALL, locked=True)
    )
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) > 0), what="a frame")
    (listed,) = await recordings(camera)
    assert listed["locked"] == "yes"
    await storage.stop_recording(recording.id)


async def test_record_cgi_and_stop_cgi(camera: Camera) -> None:
    root = await xml(
        camera, f"/axis-cgi/record/record.cgi?diskid=SD_DISK&options={OPTIONS}%26camera%3D1"
    )
    (record,) = root.findall("record")
    assert record.attrib["result"] == "OK"
    rid = record.attrib["recordingid"]
    storage = camera.device.storage
    await wait_until(lambda: holds(storage.recorder.frames(rid) > 0), what="a frame")
    (listed,) = await recordings(camera)
    assert (listed["recordingid"], listed["recordingtype"]) == (rid, "continuous")
    root = await xml(camera, f"/axis-cgi/record/stop.cgi?recordingid={rid}")
    assert root.find("stop").attrib == {"recordingid": rid, "result": "OK"}  # type: ignore[union-attr]
    (listed,) = await recordings(camera)
    assert listed["recordingstatus"] == "inactive"
    root = await xml(camera, f"/axis-cgi/record/stop.cgi?recordingid={rid}")
    assert root.find("stop").attrib["result"] == "ERROR"  # type: ignore[union-attr]


async def test_new_options_restart_the_continuous_recording(camera: Camera) -> None:
    await record_continuously(camera)
    # A recording stopped before it holds a frame leaves nothing to list: wait for a segment.
    first = await wait_active(camera, segments=1)
    await update(camera, "Recording.Continuous.I0.Options=resolution%3D320x240%26fps%3D5")

    async def moved() -> bool:
        active = [r for r in await recordings(camera) if r["recordingstatus"] == "active"]
        return bool(active) and active[0]["recordingid"] != first["recordingid"]

    await wait_until(moved, what="a new recording with the new options")

    async def sized() -> bool:
        root = await xml(camera, "/list.cgi?recordingid=all&sortorder=descending")
        video = root.find("./recordings/recording/video")
        return video is not None and video.attrib["resolution"] == "320x240"

    await wait_until(sized, what="the new size")
    old = [r for r in await recordings(camera) if r["recordingid"] == first["recordingid"]]
    assert [r["recordingstatus"] for r in old] == ["inactive"]


async def test_each_input_records_on_its_own(camera_factory: CameraFactory) -> None:
    camera = await camera_factory(cameras=2)
    await update(
        camera,
        "Recording.DefaultSplitDuration=1"
        f"&Recording.Continuous.I0.Options={OPTIONS}&Recording.Continuous.I0.Enabled=yes"
        f"&Recording.Continuous.I1.Options={OPTIONS}&Recording.Continuous.I1.Enabled=yes",
    )

    async def both() -> bool:
        root = await xml(camera, "/list.cgi?recordingid=all")
        sources = {v.attrib["source"] for v in root.iter("video")}
        return sources == {"1", "2"}

    await wait_until(both, what="a recording of each camera")
    root = await xml(camera, "/list.cgi?recordingid=all")
    assert {v.attrib["source"] for v in root.iter("video")} == {"1", "2"}
