"""Spec 5.9 (storage) over a raw socket: every example under every prefix, HTTP/1.0 and 1.1,
GET and POST; the XML in the shape 5.9.3 and 5.9.4 show; HEAD of every acting request 405."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import pytest

from ipcamd.storage.recorder import RecordingRequest
from tests.spec.raw import FORM, PREFIXES, VERSIONS, RawReply, cgi, exchange
from tests.storage.helpers import holds, update, wait_until
from tests.support import Camera

SMALL = {"resolution": "160x120", "fps": "10"}
#: 5.9.3's ``<disk>``, attribute for attribute, in its order; the values its example shows
#: are a new unit's (sizes aside).
DISK_EXAMPLE = {
    "diskid": "SD_DISK",
    "totalsize": None,
    "freesize": None,
    "cleanuplevel": "95",
    "cleanupmaxage": "1",
    "cleanuppolicy": "none",
    "locked": "no",
    "full": "no",
    "readonly": "no",
    "status": "OK",
}
RECORDING_ATTRIBUTES = [
    "recordingid",
    "diskid",
    "starttime",
    "starttimelocal",
    "stoptime",
    "stoptimelocal",
    "recordingtype",
    "eventid",
    "recordingstatus",
    "locked",
]
VIDEO_ATTRIBUTES = ["mimetype", "source", "framerate", "resolution", "codecdata", "capsstr"]


def parsed(reply: RawReply, version: str = "1.0") -> ET.Element:
    """A 200 ``text/xml`` reply with a true length; its document parsed."""
    assert reply.status_line == f"HTTP/{version} 200 OK".encode(), reply.status_line
    assert reply.headers("Content-Type") == ["text/xml"]
    assert reply.header("Content-Length") == str(len(reply.body))
    assert reply.body.startswith(b'<?xml version="1.0" ?>\n<root>'), reply.body[:60]
    return ET.fromstring(reply.body)


async def _recording(camera: Camera) -> str:
    storage = camera.device.storage
    await update(camera, "Recording.DefaultSplitDuration=1")
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) > 12), what="frames")
    await storage.stop_recording(recording.id)
    return recording.id


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("diskid", ["SD_DISK", "all"])
async def test_5_9_3_list_storage_status(
    camera: Camera, prefix: str, version: str, diskid: str
) -> None:
    root = parsed(
        await cgi(camera.server.port, f"{prefix}list.cgi", f"diskid={diskid}", version=version),
        version,
    )
    assert [child.tag for child in root] == ["disks"]
    disks = root.find("disks")
    assert disks is not None
    assert disks.attrib == {"numberofdisks": "1"}
    (disk,) = disks
    assert disk.tag == "disk"
    assert list(disk.attrib) == list(DISK_EXAMPLE)
    for name, value in DISK_EXAMPLE.items():
        if value is not None:
            assert disk.attrib[name] == value, name
    assert 0 <= int(disk.attrib["freesize"]) <= int(disk.attrib["totalsize"])
    assert len(disk) == 0


@pytest.mark.parametrize("post_as", [None, FORM])
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_9_4_list_recording_files(camera: Camera, prefix: str, post_as: str | None) -> None:
    rid = await _recording(camera)
    root = parsed(
        await cgi(camera.server.port, f"{prefix}list.cgi", "recordingid=all", post_as=post_as)
    )
    assert [child.tag for child in root] == ["recordings"]
    recordings = root.find("recordings")
    assert recordings is not None
    assert recordings.attrib == {"totalnumberofrecordings": "1", "numberofrecordings": "1"}
    (recording,) = recordings
    assert list(recording.attrib) == RECORDING_ATTRIBUTES
    assert recording.attrib["recordingid"] == rid
    assert recording.attrib["diskid"] == "SD_DISK"
    assert recording.attrib["recordingtype"] == "triggered"
    assert recording.attrib["recordingstatus"] == "inactive"
    assert recording.attrib["locked"] == "no"
    for name in ("starttime", "stoptime"):
        assert recording.attrib[name].endswith("Z")
        assert recording.attrib[name + "local"][:-5] == recording.attrib[name][:-1]
        assert recording.attrib[name + "local"][-5:] == "+0000"
    (video,) = recording
    assert list(video.attrib) == VIDEO_ATTRIBUTES
    assert video.attrib["mimetype"] == "image/jpeg"
    assert video.attrib["resolution"] == "160x120"
    assert video.attrib["framerate"] == "10:1"
    assert video.attrib["capsstr"] == (
        "image/jpeg, squarepixelenabled=(boolean)false, width=(int)160, height=(int)120, "
        "framerate=(fraction)10/1"
    )
    one = parsed(await cgi(camera.server.port, f"{prefix}list.cgi", f"recordingid={rid}"))
    assert ET.tostring(one) == ET.tostring(root)


async def test_5_9_4_an_active_recording_has_no_stop_time(camera: Camera) -> None:
    storage = camera.device.storage
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) > 0), what="a frame")
    root = parsed(await cgi(camera.server.port, "/list.cgi", "recordingid=all"))
    item = root.find("./recordings/recording")
    assert item is not None
    assert item.attrib["recordingstatus"] == "active"
    assert (item.attrib["stoptime"], item.attrib["stoptimelocal"]) == ("", "")
    await storage.stop_recording(recording.id)


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_9_1_mount_and_umount(camera: Camera, prefix: str) -> None:
    port = camera.server.port
    for action, status in (("umount", "connected"), ("umount", "connected"), ("mount", "OK")):
        root = parsed(await cgi(port, f"{prefix}mount.cgi", f"diskid=SD_DISK&action={action}"))
        job = root.find("job")
        assert job is not None
        assert list(job.attrib) == ["action", "diskid", "jobid", "result"]
        assert (job.attrib["action"], job.attrib["result"]) == (action, "OK")
        listed = parsed(await cgi(port, f"{prefix}list.cgi", "diskid=SD_DISK"))
        disk = listed.find("./disks/disk")
        assert disk is not None
        assert disk.attrib["status"] == status


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_9_2_format(camera: Camera, prefix: str) -> None:
    await _recording(camera)
    root = parsed(
        await cgi(camera.server.port, f"{prefix}format.cgi", "diskid=SD_DISK", post_as=FORM)
    )
    job = root.find("job")
    assert job is not None
    assert (job.attrib["action"], job.attrib["diskid"], job.attrib["result"]) == (
        "format",
        "SD_DISK",
        "OK",
    )
    listed = parsed(await cgi(camera.server.port, f"{prefix}list.cgi", "recordingid=all"))
    recordings = listed.find("recordings")
    assert recordings is not None
    assert recordings.attrib == {"totalnumberofrecordings": "0", "numberofrecordings": "0"}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_9_5_remove(camera: Camera, prefix: str) -> None:
    port = camera.server.port
    first = await _recording(camera)
    second = await _recording(camera)
    root = parsed(await cgi(port, f"{prefix}remove.cgi", f"recordingid={first}"))
    assert [r.attrib for r in root] == [{"recordingid": first, "result": "OK"}]
    root = parsed(await cgi(port, f"{prefix}remove.cgi", "recordingid=all"))
    assert [r.attrib for r in root] == [{"recordingid": second, "result": "OK"}]
    listed = parsed(await cgi(port, f"{prefix}list.cgi", "recordingid=all"))
    assert len(listed.findall("./recordings/recording")) == 0


async def test_remove_stops_an_active_recording_first(camera: Camera) -> None:
    storage = camera.device.storage
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) > 0), what="a frame")
    root = parsed(await cgi(camera.server.port, "/remove.cgi", f"recordingid={recording.id}"))
    assert [r.attrib["result"] for r in root] == ["OK"]
    assert storage.recorder.sessions == {}
    assert not (camera.device.config.sd_path / "recordings" / recording.id).exists()


ACTING = [
    ("mount.cgi", "diskid=SD_DISK&action=umount"),
    ("format.cgi", "diskid=SD_DISK"),
    ("remove.cgi", "recordingid=all"),
    ("disks/mount.cgi", "diskid=SD_DISK&action=unmount"),
    ("disks/format.cgi", "diskid=SD_DISK"),
    ("disks/lock.cgi", "diskid=SD_DISK&action=lock"),
    ("record/remove.cgi", "recordingid=all"),
    ("record/record.cgi", "diskid=SD_DISK"),
    ("record/stop.cgi", "recordingid={rid}"),
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("path", "query"), ACTING)
async def test_head_of_an_acting_request_is_405_and_changes_nothing(
    camera: Camera, prefix: str, path: str, query: str
) -> None:
    storage = camera.device.storage
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) > 0), what="a frame")
    before = (await camera.get("/list.cgi?diskid=SD_DISK&recordingid=all")).body
    target = f"{prefix}{path}?{query.format(rid=recording.id)}"
    reply = await exchange(camera.server.port, target, method="HEAD")
    assert reply.status == 405
    assert reply.header("Allow") == "GET,POST"
    await asyncio.sleep(0)
    assert list(storage.recorder.sessions) == [recording.id]
    assert storage.setting("Locked") == "no"
    after = (await camera.get("/list.cgi?diskid=SD_DISK&recordingid=all")).body
    assert _without_sizes(after) == _without_sizes(before)
    await storage.stop_recording(recording.id)


def _without_sizes(body: bytes) -> bytes:
    root = ET.fromstring(body)
    for disk in root.iter("disk"):
        disk.attrib.pop("freesize")
    return ET.tostring(root)
