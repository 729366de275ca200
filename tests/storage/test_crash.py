"""Faults of the whole unit: ``kill -9`` while recording (after the restart the index and the
files agree and the cut recording plays up to its last flushed frame), and a restart while an
export is being sent."""

from __future__ import annotations

import asyncio
import re
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ipcamd.storage import export as exporting
from ipcamd.storage.recorder import RecordingRequest
from tests.spec.raw import open_raw
from tests.storage.helpers import holds, wait_until
from tests.storage.media import ffprobe, vlc_plays
from tests.support import Camera
from tests.system.helpers import Process, http_get, restart_and_wait

SMALL = {"resolution": "160x120", "fps": "10"}


def _listing(body: bytes) -> list[dict[str, str]]:
    return [dict(r.attrib) for r in ET.fromstring(body).iter("recording")]


@pytest.mark.slow
async def test_kill_9_while_recording_loses_only_the_last_frames(tmp_path: Path) -> None:
    data = tmp_path / "unit"
    process = Process(data)
    try:
        url = await process.wait_serving()
        await http_get(
            url + "/axis-cgi/param.cgi?action=update&Recording.DefaultSplitDuration=2"
            "&Recording.Continuous.I0.Options=resolution%3D160x120%26fps%3D10"
            "&Recording.Continuous.I0.Enabled=yes"
        )
        recordings = data / "sd" / "recordings"

        async def writing() -> bool:
            parts = list(recordings.glob("*/*.mkv.part"))
            return (
                bool(parts)
                and bool(list(recordings.glob("*/*.mkv")))
                and any(p.stat().st_size > 20_000 for p in parts)
            )

        await wait_until(writing, what="a closed segment and a part being written")
        (listed,) = _listing(await http_get(url + "/list.cgi?recordingid=all"))
        assert listed["recordingstatus"] == "active"
    finally:
        process.kill()
    rid = listed["recordingid"]
    directory = recordings / rid
    assert list(directory.glob("*.part")), "the kill left a segment open"

    process = Process(data, run="after")
    try:
        url = await process.wait_serving(timeout=30)
        await http_get(url + "/axis-cgi/param.cgi?action=update&Recording.Continuous.I0.Enabled=no")
        by_id = {
            r["recordingid"]: r for r in _listing(await http_get(url + "/list.cgi?recordingid=all"))
        }
        cut = by_id[rid]
        assert cut["recordingstatus"] == "inactive"
        assert cut["stoptime"] > cut["starttime"]
        assert not list(directory.glob("*.part"))
        files = sorted(p.name for p in directory.iterdir())
        assert files == [f"{seq:06d}.mkv" for seq in range(1, len(files) + 1)]
        last = await asyncio.to_thread(ffprobe, directory / files[-1])
        assert last.frames >= 1
        body = await http_get(
            url + "/axis-cgi/record/export/exportrecording.cgi?schemaversion=1"
            f"&recordingid={rid}&diskid=SD_DISK&exportformat=matroska"
        )
        exported = tmp_path / "cut.mkv"
        exported.write_bytes(body)
        whole = await asyncio.to_thread(ffprobe, exported)
        segments = [await asyncio.to_thread(ffprobe, directory / name) for name in files]
        assert whole.frames == sum(s.frames for s in segments)
        assert await asyncio.to_thread(vlc_plays, exported) > 0
        log = await http_get(url + "/axis-cgi/admin/systemlog.cgi")
        assert re.search(rb"Recordings recovered after an unclean stop: repaired 1", log)
    finally:
        process.stop()


async def test_a_restart_while_exporting_ends_the_download_and_keeps_everything(
    camera: Camera, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = camera.device.storage
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) >= 20), what="frames")
    await storage.stop_recording(recording.id)
    released = threading.Event()
    write = exporting.ChunkPipe.write

    def held_write(pipe: exporting.ChunkPipe, data: bytes | memoryview) -> int:
        """The first chunk goes out; the export then waits, as for a slow client."""
        written = write(pipe, data)
        while not released.wait(0.05):
            if pipe._closed.is_set():
                raise BrokenPipeError("export closed")
        return written

    monkeypatch.setattr(exporting.ChunkPipe, "write", held_write)
    target = (
        "/axis-cgi/record/export/exportrecording.cgi?schemaversion=1"
        f"&recordingid={recording.id}&diskid=SD_DISK&exportformat=matroska"
    )
    async with open_raw(camera.server.port, target, version="1.1") as (head, reader):
        assert head.status == 200
        assert head.header("Transfer-Encoding") == "chunked"
        first = await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
        assert int(first.strip(), 16) > 0
        await restart_and_wait(camera, "/axis-cgi/restart.cgi")
        rest = await asyncio.wait_for(reader.read(), 10)
    assert not rest.endswith(b"0\r\n\r\n"), "a cut download never ends like a whole one"
    released.set()
    monkeypatch.undo()
    listed = await camera.get("/list.cgi?recordingid=all")
    assert recording.id.encode() in listed.body
    again = await camera.get(target)
    assert again.status == 200
    assert again.headers["Content-Type"] == "video/x-matroska"
    assert len(again.body) > 10_000
