"""Bad input to the storage CGIs: a clear XML error, well-formed whatever was sent, and nothing
changed; no path built from a request ever leaves the disk."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ipcamd.storage.recorder import RecordingRequest
from tests.storage.helpers import holds, recordings, update, wait_until, xml
from tests.support import Camera

SMALL = {"resolution": "160x120", "fps": "10"}

#: Recording ids that are not ids (percent-encoded as a client would send them).
BAD_IDS = [
    "..%2F..%2Fetc%2Fpasswd",
    "..",
    "%2Fetc%2Fpasswd",
    "a%2Fb",
    "abc%00def",
    "0237d4aa-506b-11d5-83d8-00408c903eb5%00",
    "0237d4aa-506b-11d5-83d8-00408c903eb5%2F..",
    "0237d4aa-506b-11d5-83d8",
    "%3Cx%3E%26%22",
    "",
    "%E2%80%A8",
    "%EF%BF%BF",
]


async def _one_recording(camera: Camera) -> str:
    storage = camera.device.storage
    recording = await storage.start_recording(RecordingRequest(1, options=SMALL))
    await wait_until(lambda: holds(storage.recorder.frames(recording.id) > 2), what="frames")
    await storage.stop_recording(recording.id)
    return recording.id


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_malformed_recording_ids(camera: Camera, tmp_path: Path, bad: str) -> None:
    rid = await _one_recording(camera)
    sd = camera.device.config.sd_path
    before = _tree(sd)
    for path, tag, message in (
        ("/list.cgi", "list", "description"),
        ("/axis-cgi/record/list.cgi", "list", "description"),
        ("/remove.cgi", "remove", "errormsg"),
        ("/axis-cgi/record/stop.cgi", "stop", "errormsg"),
    ):
        reply = await camera.get(f"{path}?recordingid={bad}")
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/xml"
        root = ET.fromstring(reply.body)  # well-formed whatever was sent
        item = root.find(tag)
        assert item is not None, reply.body
        assert item.attrib["result"] == "ERROR", reply.body
        assert item.attrib[message], reply.body
    assert _tree(sd) == before
    assert [r["recordingid"] for r in await recordings(camera)] == [rid]
    assert not (sd.parent / "etc").exists()


async def test_unknown_ids_list_nothing_and_remove_says_so(camera: Camera) -> None:
    rid = await _one_recording(camera)
    unknown = "0237d4aa-506b-11d5-83d8-00408c903eb5"
    root = await xml(camera, f"/list.cgi?recordingid={unknown}")
    found = root.find("recordings")
    assert found is not None
    assert found.attrib == {"totalnumberofrecordings": "1", "numberofrecordings": "0"}
    root = await xml(camera, f"/remove.cgi?recordingid={unknown},{rid.upper()}")
    results = {r.attrib["recordingid"]: r.attrib for r in root.iter("remove")}
    assert results[unknown]["result"] == "ERROR"
    assert results[unknown]["errormsg"] == f"No recording {unknown}"
    assert results[rid] == {"recordingid": rid, "result": "OK"}, "ids are not case-sensitive"
    assert await recordings(camera) == []


@pytest.mark.parametrize(
    ("path", "tag"),
    [
        ("/list.cgi?diskid=NetworkShare", "list"),
        ("/list.cgi?diskid=sd_disk", "list"),
        ("/list.cgi?diskid=", "list"),
        ("/axis-cgi/disks/list.cgi?diskid=..%2F", "list"),
        ("/mount.cgi?diskid=USB_DISK&action=mount", "job"),
        ("/mount.cgi?action=mount", "job"),
        ("/mount.cgi?diskid=SD_DISK", "job"),
        ("/mount.cgi?diskid=SD_DISK&action=eject", "job"),
        ("/format.cgi?diskid=%00", "job"),
        ("/format.cgi", "job"),
        ("/format.cgi?diskid=SD_DISK&filesystem=ntfs", "job"),
        ("/remove.cgi", "remove"),
        ("/remove.cgi?recordingid=all&diskid=NetworkShare", "remove"),
        ("/list.cgi?recordingid=all&sortorder=random", "list"),
        ("/list.cgi?recordingid=all&maxnumberofresults=-1", "list"),
        ("/list.cgi?recordingid=all&starttime=2011-13-01T00:00:00Z", "list"),
        ("/list.cgi?recordingid=all&listentity=source", "list"),
        ("/list.cgi?recordingid=all&frobnicate=1", "list"),
        ("/axis-cgi/record/list.cgi", "list"),
        ("/axis-cgi/disks/job.cgi?jobid=999&diskid=SD_DISK", "job"),
        ("/axis-cgi/disks/job.cgi?jobid=x&diskid=SD_DISK", "job"),
        ("/axis-cgi/disks/lock.cgi?action=jam&diskid=SD_DISK", "lock"),
        ("/axis-cgi/record/record.cgi?diskid=SD_DISK&options=resolution%3D9x9", "record"),
        ("/axis-cgi/record/record.cgi?diskid=SD_DISK&options=camera%3D7", "record"),
        ("/axis-cgi/record/record.cgi?diskid=SD_DISK&options=fps%3D1000", "record"),
        ("/axis-cgi/record/record.cgi?options=fps%3D5", "record"),
    ],
)
async def test_bad_arguments_are_xml_errors_and_change_nothing(
    camera: Camera, path: str, tag: str
) -> None:
    before = (await camera.get("/list.cgi?diskid=SD_DISK&recordingid=all")).body
    reply = await camera.get(path)
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "text/xml"
    root = ET.fromstring(reply.body)
    assert root.tag == "root"
    item = root.find(tag)
    assert item is not None, reply.body
    assert item.attrib["result"] == "ERROR", reply.body
    assert camera.device.storage.recorder.sessions == {}
    assert (await camera.get("/list.cgi?diskid=SD_DISK&recordingid=all")).body == before


async def test_a_repeated_argument_is_a_plain_400(camera: Camera) -> None:
    reply = await camera.get("/list.cgi?diskid=SD_DISK&diskid=all")
    assert reply.status == 400
    assert reply.text == "Argument 'diskid' given more than once\n"


async def test_continuous_options_are_checked_when_set(camera: Camera) -> None:
    for bad in ("resolution%3D9x9", "fps%3Dfast", "frobnicate%3D1", "fps%3D5%26fps%3D6", "fps"):
        reply = await camera.get(
            f"/axis-cgi/param.cgi?action=update&Recording.Continuous.I0.Options={bad}"
            "&Recording.Continuous.I0.Enabled=yes"
        )
        assert reply.text.startswith("# Error: "), reply.text
    await update(camera, "Recording.Continuous.I0.Options=fps%3D5%26resolution%3DQCIF")
    listed = await camera.get(
        "/axis-cgi/param.cgi?action=list&group=Recording.Continuous.I0.Options"
    )
    assert listed.text == "Recording.Continuous.I0.Options=fps=5&resolution=QCIF\n"


async def test_viewers_may_list_and_export_but_not_change(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    as_vic = {"user": "vic", "password": "v1"}
    assert (await camera.get("/list.cgi?recordingid=all", **as_vic)).status == 200  # type: ignore[arg-type]
    for path in (
        "/remove.cgi?recordingid=all",
        "/format.cgi?diskid=SD_DISK",
        "/mount.cgi?diskid=SD_DISK&action=umount",
        "/axis-cgi/disks/list.cgi?diskid=all",
        "/axis-cgi/record/record.cgi?diskid=SD_DISK",
    ):
        assert (await camera.get(path, **as_vic)).status == 401, path  # type: ignore[arg-type]
    assert (await camera.get("/list.cgi?diskid=SD_DISK")).status == 200
