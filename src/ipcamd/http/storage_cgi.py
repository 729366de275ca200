"""Spec 5.9: ``mount.cgi``, ``format.cgi``, ``list.cgi``, ``remove.cgi``; and the same under the
paths of Axis's edge storage API (``disks/…``, ``record/…``), with ``job.cgi``, ``lock.cgi``,
``record.cgi`` and ``stop.cgi``.

Replies are XML (:mod:`ipcamd.http.storage_xml`), failures too (the storage shapes of
:mod:`ipcamd.http.error_replies`). Arguments are checked before anything happens; a name a CGI
does not take is refused. ``diskid`` must name ``SD_DISK`` (``all`` where a listing allows it);
an unknown disk is an error; an unknown recording id lists nothing, and is an error in
``remove.cgi``'s reply for that id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter, NotFound
from ipcamd.events import RecordingType
from ipcamd.http import storage_xml
from ipcamd.http.caller import caller_level, caller_name
from ipcamd.http.error_replies import (
    STORAGE_FORMAT,
    STORAGE_JOB,
    STORAGE_LIST,
    STORAGE_LOCK,
    STORAGE_MOUNT,
    STORAGE_RECORD,
    STORAGE_REMOVE,
    STORAGE_STOP,
    ReplyShape,
)
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.routing import ACTS, READS, Acting, Handler, Router
from ipcamd.storage.index import RecordingQuery
from ipcamd.storage.model import DISK_ID, check_recording_id, parse_time, recording_ids
from ipcamd.storage.options import parse_options
from ipcamd.storage.recorder import RecordingRequest
from ipcamd.storage.service import StorageService

#: The arguments the listing CGIs take (Axis's ``record/list.cgi``'s, and ``schemaversion``).
LIST_ARGS = (
    "diskid",
    "recordingid",
    "starttime",
    "stoptime",
    "eventid",
    "source",
    "maxnumberofresults",
    "startatresultnumber",
    "sortorder",
    "listentity",
    "schemaversion",
)
MOUNT_ACTIONS = {"mount": "mount", "umount": "unmount", "unmount": "unmount"}


def storage(request: web.Request) -> StorageService:
    """The unit's storage service."""
    return request.app[DEVICE].storage


def check_args(args: Args, allowed: Sequence[str]) -> None:
    """Refuse an argument the CGI does not take."""
    unknown = args.unknown(allowed)
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}'")


def required(args: Args, name: str) -> str:
    """The value of an argument the CGI needs."""
    value = args.get(name)
    if value is None:
        raise InvalidParameter(f"The {name} argument is required")
    return value


def disk_id(raw: str, *, allow_all: bool = False) -> None:
    """Check a ``diskid``: ``SD_DISK`` (or ``all``); NotFound for any other disk."""
    if raw == DISK_ID or (allow_all and raw == "all"):
        return
    raise NotFound(f"No disk '{raw}'")


def _integer(args: Args, name: str) -> int | None:
    raw = args.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise InvalidParameter(f"Invalid {name} '{raw}' (a number from 0)")
    return int(raw)


def _time(args: Args, name: str) -> float | None:
    raw = args.get(name)
    return None if raw is None else parse_time(raw, name)


def recording_query(args: Args) -> RecordingQuery:
    """``list.cgi``'s recording arguments as a query."""
    entity = args.get("listentity")
    if entity not in (None, "recording"):
        raise InvalidParameter(f"Invalid listentity '{entity}' (recording)")
    order = args.get("sortorder") or "descending"
    if order not in ("ascending", "descending"):
        raise InvalidParameter(f"Invalid sortorder '{order}' (ascending or descending)")
    raw_ids = args.get("recordingid")
    ids = None if raw_ids is None else recording_ids(raw_ids)
    return RecordingQuery(
        ids=None if ids is None else tuple(ids),
        start=_time(args, "starttime"),
        stop=_time(args, "stoptime"),
        event_id=args.get("eventid"),
        camera=_integer(args, "source"),
        descending=order == "descending",
        offset=_integer(args, "startatresultnumber") or 0,
        limit=_integer(args, "maxnumberofresults"),
    )


async def _listing(request: web.Request, *, disks: bool, recordings: bool) -> web.Response:
    args = await read_args(request)
    check_args(args, LIST_ARGS)
    service = storage(request)
    wants_recordings = recordings and any(
        args.get(name) is not None for name in ("recordingid", "starttime", "stoptime")
    )
    wants_disks = disks and (args.get("diskid") is not None or not wants_recordings)
    raw_disk = args.get("diskid")
    disk_id("all" if raw_disk is None else raw_disk, allow_all=True)
    query = recording_query(args) if wants_recordings else None
    root = storage_xml.element("root")
    if wants_disks:
        storage_xml.disks(root, [service.disk_info()])
    if query is not None:
        page = await service.recordings(query)
        storage_xml.recordings(root, page, service.clock.local)
    return storage_xml.xml_reply(root)


async def handle_list(request: web.Request) -> web.Response:
    """5.9.3/5.9.4 ``list.cgi``: disks (``diskid``), recordings (``recordingid``), or both."""
    return await _listing(request, disks=True, recordings=True)


async def handle_disks_list(request: web.Request) -> web.Response:
    """Axis's ``disks/list.cgi?diskid=all|SD_DISK``."""
    return await _listing(request, disks=True, recordings=False)


async def handle_record_list(request: web.Request) -> web.Response:
    """Axis's ``record/list.cgi?recordingid=all|<id>[&starttime=…&stoptime=…]``."""
    args = await read_args(request)
    if not any(args.get(n) is not None for n in ("recordingid", "starttime", "stoptime")):
        raise InvalidParameter("One of recordingid, starttime and stoptime is required")
    return await _listing(request, disks=False, recordings=True)


async def handle_mount(request: web.Request) -> web.Response:
    """5.9.1 ``mount.cgi?diskid=SD_DISK&action=mount|umount`` (``unmount`` too, as Axis)."""
    args = await read_args(request)
    check_args(args, ("diskid", "action"))
    action = required(args, "action")
    if action not in MOUNT_ACTIONS:
        raise InvalidParameter(f"Invalid action '{action}' (mount or umount)")
    disk_id(required(args, "diskid"))
    service = storage(request)
    job = await (service.mount() if MOUNT_ACTIONS[action] == "mount" else service.unmount())
    return _job_reply(action, job.jobid)


async def handle_format(request: web.Request) -> web.Response:
    """5.9.2 ``format.cgi?diskid=SD_DISK``: stops the recordings, deletes everything on it."""
    args = await read_args(request)
    check_args(args, ("diskid", "filesystem"))
    disk_id(required(args, "diskid"))
    filesystem = args.get("filesystem")
    if filesystem not in (None, "ext4", "vfat"):
        raise InvalidParameter(f"Invalid filesystem '{filesystem}' (ext4 or vfat)")
    job = await storage(request).format()
    return _job_reply("format", job.jobid)


def _job_reply(action: str, jobid: int) -> web.Response:
    root = storage_xml.result("job", {"action": action, "diskid": DISK_ID, "jobid": str(jobid)})
    return storage_xml.xml_reply(root)


async def handle_job(request: web.Request) -> web.Response:
    """Axis's ``disks/job.cgi?jobid=N&diskid=SD_DISK``: a job's progress (jobs finish before
    their CGI answers, so always 100)."""
    args = await read_args(request)
    check_args(args, ("jobid", "diskid"))
    disk_id(required(args, "diskid"))
    raw = required(args, "jobid")
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise InvalidParameter(f"Invalid jobid '{raw}'")
    job = storage(request).job(int(raw))
    values = {"jobid": str(job.jobid), "diskid": DISK_ID, "action": job.action}
    root = storage_xml.element("root")
    storage_xml.child(
        root, "job", {**values, "result": "OK", "progress": str(job.progress), "description": ""}
    )
    return storage_xml.xml_reply(root)


async def handle_lock(request: web.Request) -> web.Response:
    """Axis's ``disks/lock.cgi?action=lock|unlock&diskid=SD_DISK`` (``Storage.S0.Locked``)."""
    args = await read_args(request)
    check_args(args, ("action", "diskid"))
    action = required(args, "action")
    if action not in ("lock", "unlock"):
        raise InvalidParameter(f"Invalid action '{action}' (lock or unlock)")
    disk_id(required(args, "diskid"))
    value = "yes" if action == "lock" else "no"
    await request.app[DEVICE].params.async_update(
        [("Storage.S0.Locked", value)], caller_level(request), caller_name(request)
    )
    root = storage_xml.element("root")
    storage_xml.child(root, action, {"diskid": DISK_ID, "result": "OK"})
    return storage_xml.xml_reply(root)


async def handle_remove(request: web.Request) -> web.Response:
    """5.9.5 ``remove.cgi?recordingid=<id>[,<id>…]|all``: an active recording is stopped first;
    one ``<remove>`` per recording, ``result="ERROR"`` for one that could not go."""
    args = await read_args(request)
    check_args(args, ("recordingid", "diskid"))
    ids = recording_ids(required(args, "recordingid"))
    raw_disk = args.get("diskid")
    if raw_disk is not None:
        disk_id(raw_disk)
    results = await storage(request).remove(ids)
    root = storage_xml.element("root")
    for rid, error in results:
        values = {"recordingid": rid, "result": "OK" if error is None else "ERROR"}
        if error is not None:
            values["errormsg"] = str(error)
        storage_xml.child(root, "remove", values)
    return storage_xml.xml_reply(root)


async def handle_record(request: web.Request) -> web.Response:
    """Axis's ``record/record.cgi?diskid=SD_DISK[&options=…]``: start a continuous recording
    (``camera=N`` among the options picks the camera); ``stop.cgi`` ends it."""
    args = await read_args(request)
    check_args(args, ("diskid", "options"))
    disk_id(required(args, "diskid"))
    raw = args.get("options") or ""
    pairs = [item for item in raw.split("&") if item]
    cameras = [item.partition("=")[2] for item in pairs if item.startswith("camera=")]
    camera = cameras[-1] if cameras else "1"
    if not re.fullmatch(r"[1-4]", camera):
        raise NotFound(f"No such camera '{camera}'")
    options = parse_options("&".join(i for i in pairs if not i.startswith("camera=")))
    recording = await storage(request).start_recording(
        RecordingRequest(int(camera), RecordingType.CONTINUOUS, "", options)
    )
    root = storage_xml.result("record", {"recordingid": recording.id})
    return storage_xml.xml_reply(root)


async def handle_stop(request: web.Request) -> web.Response:
    """Axis's ``record/stop.cgi?recordingid=<id>``: end an active recording."""
    args = await read_args(request)
    check_args(args, ("recordingid",))
    rid = check_recording_id(required(args, "recordingid"))
    await storage(request).stop_recording(rid)
    return storage_xml.xml_reply(storage_xml.result("stop", {"recordingid": rid}))


def setup(router: Router) -> None:
    """Register the storage CGIs (spec paths and Axis's), each under every prefix."""
    routes: list[tuple[str, Handler, AccessLevel, ReplyShape, Acting]] = [
        ("mount.cgi", handle_mount, AccessLevel.ADMIN, STORAGE_MOUNT, ACTS),
        ("format.cgi", handle_format, AccessLevel.ADMIN, STORAGE_FORMAT, ACTS),
        ("list.cgi", handle_list, AccessLevel.VIEWER, STORAGE_LIST, READS),
        ("remove.cgi", handle_remove, AccessLevel.OPERATOR, STORAGE_REMOVE, ACTS),
        ("disks/list.cgi", handle_disks_list, AccessLevel.OPERATOR, STORAGE_LIST, READS),
        ("disks/mount.cgi", handle_mount, AccessLevel.ADMIN, STORAGE_MOUNT, ACTS),
        ("disks/format.cgi", handle_format, AccessLevel.ADMIN, STORAGE_FORMAT, ACTS),
        ("disks/job.cgi", handle_job, AccessLevel.OPERATOR, STORAGE_JOB, READS),
        ("disks/lock.cgi", handle_lock, AccessLevel.ADMIN, STORAGE_LOCK, ACTS),
        ("record/list.cgi", handle_record_list, AccessLevel.VIEWER, STORAGE_LIST, READS),
        ("record/remove.cgi", handle_remove, AccessLevel.OPERATOR, STORAGE_REMOVE, ACTS),
        ("record/record.cgi", handle_record, AccessLevel.OPERATOR, STORAGE_RECORD, ACTS),
        ("record/stop.cgi", handle_stop, AccessLevel.OPERATOR, STORAGE_STOP, ACTS),
    ]
    for path, handler, level, shape, acting in routes:
        router.add(path, handler, level, reply=shape, acts=acting)
