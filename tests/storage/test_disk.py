"""The SD_DISK: sizes, mount and umount, format while recording, locked and read-only disks,
a full disk (recording stops cleanly, cleanup frees space, recording resumes), cleanup."""

from __future__ import annotations

import asyncio
import os
import shutil

from ipcamd.events import RecordingEvent, RecordingStopped
from ipcamd.storage.disk import reserve_for
from ipcamd.storage.recorder import RecordingRequest
from tests.conftest import CameraFactory
from tests.storage.helpers import (
    disk,
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


async def test_sizes_are_kilobytes_bounded_by_the_limit(camera_factory: CameraFactory) -> None:
    camera = await camera_factory(sd_size="64M")
    info = await disk(camera)
    fs = os.statvfs(camera.device.config.sd_path)
    assert int(info["totalsize"]) == min(64 * 1024, fs.f_blocks * fs.f_frsize // 1024)
    assert int(info["freesize"]) <= int(info["totalsize"])
    assert info["status"] == "OK"
    assert (info["full"], info["readonly"], info["locked"]) == ("no", "no", "no")
    (camera.device.config.sd_path / "other.bin").write_bytes(b"x" * 1024 * 1024)
    camera.device.storage.disk.rescan()
    after = await disk(camera)
    assert int(info["freesize"]) - int(after["freesize"]) >= 1024, "every file on it counts"


async def test_the_directory_and_limit_come_from_the_config(
    camera_factory: CameraFactory, tmp_path
):  # type: ignore[no-untyped-def]
    sd = tmp_path / "card"
    camera = await camera_factory(sd_dir=sd, sd_size=3 * 1024 * 1024)
    await record_continuously(camera)
    rec = await wait_active(camera, segments=1)
    assert (sd / "recordings" / rec["recordingid"]).is_dir()
    assert int((await disk(camera))["totalsize"]) == 3 * 1024


async def test_umount_stops_recording_and_keeps_the_recordings(camera: Camera) -> None:
    await record_continuously(camera)
    rec = await wait_active(camera, segments=1)
    root = await xml(camera, "/axis-cgi/mount.cgi?diskid=SD_DISK&action=umount")
    job = root.find("job")
    assert job is not None
    assert job.attrib["result"] == "OK"
    assert (job.attrib["action"], job.attrib["diskid"]) == ("umount", "SD_DISK")
    info = await disk(camera)
    assert info["status"] == "connected"
    assert await recordings(camera) == []
    assert camera.device.storage.recorder.sessions == {}
    assert recording_dir(camera, rec["recordingid"]).is_dir(), "recordings are kept"
    storage = camera.device.storage
    refused = await xml(camera, "/axis-cgi/record/record.cgi?diskid=SD_DISK")
    assert refused.find("record").attrib["result"] == "ERROR"  # type: ignore[union-attr]
    await xml(camera, "/axis-cgi/mount.cgi?diskid=SD_DISK&action=mount")
    assert (await disk(camera))["status"] == "OK"
    listed = {r["recordingid"]: r for r in await recordings(camera)}
    assert listed[rec["recordingid"]]["recordingstatus"] == "inactive"

    async def resumed() -> bool:
        return any(r.recording.camera == 1 for r in storage.recorder.sessions.values())

    await wait_until(resumed, what="continuous recording to resume after mount")


async def test_format_while_recording_deletes_everything(camera: Camera) -> None:
    await record_continuously(camera)
    old = await wait_active(camera, segments=1)
    sd = camera.device.config.sd_path
    (sd / "foreign.txt").write_text("not ours")
    root = await xml(camera, "/format.cgi?diskid=SD_DISK")
    job = root.find("job")
    assert job is not None
    assert job.attrib["result"] == "OK"
    assert job.attrib["action"] == "format"
    jobid = job.attrib["jobid"]
    done = await xml(camera, f"/axis-cgi/disks/job.cgi?jobid={jobid}&diskid=SD_DISK")
    assert done.find("job").attrib["progress"] == "100"  # type: ignore[union-attr]
    assert not (sd / "foreign.txt").exists()
    assert not recording_dir(camera, old["recordingid"]).exists()
    assert all(r["recordingid"] != old["recordingid"] for r in await recordings(camera))
    log = (await camera.get("/axis-cgi/admin/systemlog.cgi")).text
    assert "Formatting SD_DISK: 100%" in log
    assert "SD_DISK formatted" in log
    new = await wait_active(camera)
    assert new["recordingid"] != old["recordingid"], "continuous recording starts again"


async def test_a_locked_disk_takes_no_recording_and_loses_nothing(camera: Camera) -> None:
    await record_continuously(camera)
    rec = await wait_active(camera, segments=1)
    await update(camera, "Storage.S0.Locked=yes")
    storage = camera.device.storage
    await wait_until(lambda: holds(not storage.recorder.sessions), what="recording to stop")
    assert (await disk(camera))["locked"] == "yes"
    removed = await xml(camera, f"/remove.cgi?recordingid={rec['recordingid']}")
    assert removed.find("remove").attrib["result"] == "ERROR"  # type: ignore[union-attr]
    formatted = await xml(camera, "/format.cgi?diskid=SD_DISK")
    assert formatted.find("job").attrib["result"] == "ERROR"  # type: ignore[union-attr]
    assert recording_dir(camera, rec["recordingid"]).is_dir()
    root = await xml(camera, "/axis-cgi/disks/lock.cgi?action=unlock&diskid=SD_DISK")
    assert root.find("unlock").attrib == {"diskid": "SD_DISK", "result": "OK"}  # type: ignore[union-attr]
    await wait_until(lambda: holds(bool(storage.recorder.sessions)), what="recording to resume")


async def test_a_read_only_disk_lists_and_exports_but_never_writes(camera: Camera) -> None:
    await record_continuously(camera)
    rec = await wait_active(camera, segments=1)
    await update(camera, "Storage.S0.ReadOnly=yes")
    storage = camera.device.storage
    await wait_until(lambda: holds(not storage.recorder.sessions), what="recording to stop")
    assert (await disk(camera))["readonly"] == "yes"
    removed = await xml(camera, "/remove.cgi?recordingid=all")
    assert removed.find("remove") is None or removed.find("remove").attrib["result"] == "ERROR"  # type: ignore[union-attr]
    assert recording_dir(camera, rec["recordingid"]).is_dir()
    reply = await camera.get(
        "/axis-cgi/record/export/exportrecording.cgi?schemaversion=1&recordingid="
        f"{rec['recordingid']}&diskid=SD_DISK&exportformat=matroska"
    )
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "video/x-matroska"
    await asyncio.sleep(0)
    assert not storage.recorder.sessions, "nothing starts on a read-only disk"


async def test_a_full_disk_stops_cleanly_then_cleanup_lets_recording_resume(
    camera_factory: CameraFactory,
) -> None:
    camera = await camera_factory(sd_size="1536K")
    bus = camera.device.bus
    with bus.subscribe(RecordingEvent) as events:
        await record_continuously(camera, options="resolution%3D640x480%26fps%3D15")
        first = await wait_active(camera)
        storage = camera.device.storage

        async def full() -> bool:
            return (await disk(camera))["full"] == "yes" and not storage.recorder.sessions

        await wait_until(full, what="the disk to fill up")
        kinds = [type(await asyncio.wait_for(events.get(), 10)) for _ in range(2)]
    assert [k.__name__ for k in kinds] == ["RecordingStarted", "RecordingStopped"]
    assert RecordingStopped in kinds
    (stopped,) = await recordings(camera)
    assert stopped["recordingid"] == first["recordingid"]
    assert stopped["recordingstatus"] == "inactive"
    assert stopped["stoptime"]
    directory = recording_dir(camera, first["recordingid"])
    assert not list(directory.glob("*.part")), "the last segment was closed"
    for path in sorted(directory.glob("*.mkv")):
        assert (await asyncio.to_thread(ffprobe, path)).frames > 0
    usage = storage.disk.usage()
    assert usage.free >= reserve_for(usage.total), "the reserve stays free"
    await update(camera, "Storage.S0.CleanupPolicyActive=fifo")

    async def resumed() -> bool:
        active = [r for r in await recordings(camera) if r["recordingstatus"] == "active"]
        return bool(active) and (await disk(camera))["full"] == "no"

    await wait_until(resumed, what="cleanup to free space and recording to resume")


async def test_remove_frees_a_full_disk(camera_factory: CameraFactory) -> None:
    camera = await camera_factory(sd_size="1M")
    await record_continuously(camera, options="resolution%3D640x480%26fps%3D15")
    storage = camera.device.storage

    async def full() -> bool:
        return (await disk(camera))["full"] == "yes" and not storage.recorder.sessions

    await wait_until(full, what="the disk to fill up")
    root = await xml(camera, "/remove.cgi?recordingid=all")
    assert {r.attrib["result"] for r in root.iter("remove")} == {"OK"}
    await wait_until(lambda: holds(bool(storage.recorder.sessions)), what="recording to resume")


async def test_cleanup_never_touches_locked_or_active_recordings(
    camera_factory: CameraFactory,
) -> None:
    camera = await camera_factory(sd_size="2M")
    storage = camera.device.storage
    await update(camera, "Recording.DefaultSplitDuration=1")
    kept = await storage.start_recording(
        RecordingRequest(1, options={"resolution": "640x480", "fps": "15"}, locked=True)
    )
    await wait_until(lambda: holds(storage.recorder.frames(kept.id) >= 10), what="frames")
    await storage.stop_recording(kept.id)
    await update(camera, "Storage.S0.CleanupPolicyActive=fifo&Storage.S0.CleanupLevel=10")
    await record_continuously(camera, options="resolution%3D640x480%26fps%3D15")
    await wait_active(camera, segments=2)
    for _ in range(3):  # several rounds of cleanup while it records
        await storage.cleanup(by_age=True)
    listed = {r["recordingid"]: r for r in await recordings(camera)}
    assert listed[kept.id]["locked"] == "yes"
    assert sorted(recording_dir(camera, kept.id).glob("*.mkv")), "a locked one keeps its files"
    assert [r for r in listed.values() if r["recordingstatus"] == "active"]


async def test_cleanup_by_age_removes_old_parts(camera: Camera) -> None:
    storage = camera.device.storage
    await update(camera, "Recording.DefaultSplitDuration=1")
    old = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(old.id) >= 25), what="frames")
    await storage.stop_recording(old.id)
    three_days = 3 * 86400
    camera.device.db.call(
        lambda c: c.execute(
            "UPDATE recording_segment SET start = start - ?, stop = stop - ? "
            "WHERE recording_id = ? AND seq = 1",
            (three_days, three_days, old.id),
        )
    )
    assert (recording_dir(camera, old.id) / "000001.mkv").exists()
    await update(camera, "Storage.S0.CleanupPolicyActive=fifo&Storage.S0.CleanupMaxAge=1")
    path = recording_dir(camera, old.id) / "000001.mkv"
    await wait_until(lambda: holds(not path.exists()), what="the old part to go")
    (listed,) = await recordings(camera)
    assert listed["recordingid"] == old.id, "newer parts of it stay"
    assert sorted(p.name for p in recording_dir(camera, old.id).iterdir())[0] == "000002.mkv"


async def test_a_missing_directory_is_created_and_a_file_in_its_place_fails(
    camera_factory: CameraFactory,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    camera = await camera_factory(sd_dir=blocker)
    info = await disk(camera)
    assert info["status"] == "failed"
    assert (info["totalsize"], info["freesize"]) == ("0", "0")
    refused = await xml(camera, "/axis-cgi/record/record.cgi?diskid=SD_DISK")
    assert refused.find("record").attrib["result"] == "ERROR"  # type: ignore[union-attr]
    blocker.unlink()
    await xml(camera, "/mount.cgi?diskid=SD_DISK&action=mount")
    assert (await disk(camera))["status"] == "OK"
    shutil.rmtree(blocker)
