"""Axis's export recording API: ``record/export/exportrecording.cgi`` (a recording, or a time
range of it, as one Matroska file), ``properties.cgi`` and ``capabilities.cgi``.

``exportrecording.cgi?schemaversion=1&recordingid=…&diskid=SD_DISK&exportformat=matroska
[&starttime=…&stoptime=…][&filename=…]`` answers ``video/x-matroska`` with
``Content-Disposition: attachment; filename="<start>_<stop>.mkv"`` (UTC, ``YYYYMMDD_HHMMSS``)
or the ``filename`` asked for, and streams the file as it is made: chunked on HTTP/1.1, until
the connection closes on HTTP/1.0. A failure before the first byte is the API's XML
``GeneralError``; one after it (the unit stops, the recording is removed) cuts the connection,
so the client sees a truncated download, never a short file that looks whole.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.http import storage_xml
from ipcamd.http.error_replies import STORAGE_EXPORT
from ipcamd.http.forms import Args, read_args
from ipcamd.http.routing import READS, Router
from ipcamd.http.storage_cgi import check_args, disk_id, required, storage
from ipcamd.storage.export import ExportPlan
from ipcamd.storage.model import check_recording_id, parse_time, utc_text

MATROSKA = "video/x-matroska"
FORMAT = "matroska"
EXPORT_ARGS = (
    "schemaversion",
    "recordingid",
    "diskid",
    "exportformat",
    "starttime",
    "stoptime",
    "filename",
    "password",
    "encryptionformat",
)
#: A file name a client may give: no path, no quotes, no controls.
_FILENAME = re.compile(r"[^\x00-\x1f\x7f/\\\"]{1,128}")


def _schema(args: Args) -> None:
    version = required(args, "schemaversion")
    if not re.fullmatch(r"1(\.[0-9]{1,3})?", version):
        raise InvalidParameter(f"Unsupported schemaversion '{version}' (1)")


def _format(args: Args, *, need: bool) -> None:
    value = required(args, "exportformat") if need else args.get("exportformat")
    if value not in (None, FORMAT):
        raise InvalidParameter(f"Invalid exportformat '{value}' ({FORMAT})")
    if args.get("password") is not None or args.get("encryptionformat") is not None:
        raise InvalidParameter("Encrypted export is not supported")


def _filename(args: Args) -> str | None:
    raw = args.get("filename")
    if raw is None:
        return None
    if not _FILENAME.fullmatch(raw) or raw in (".", ".."):
        raise InvalidParameter(f"Invalid filename '{raw}'")
    return raw


async def _plan(request: web.Request, *, need_format: bool) -> ExportPlan:
    args = await read_args(request)
    check_args(args, EXPORT_ARGS)
    _schema(args)
    rid = check_recording_id(required(args, "recordingid"))
    disk_id(required(args, "diskid"))
    _format(args, need=need_format)
    start = args.get("starttime")
    stop = args.get("stoptime")
    return await storage(request).exports.plan(
        rid,
        None if start is None else parse_time(start, "starttime"),
        None if stop is None else parse_time(stop, "stoptime"),
        _filename(args),
    )


def content_disposition(filename: str) -> str:
    """``attachment; filename="…"`` (and ``filename*`` when the name is not ASCII)."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


async def handle_export(request: web.Request) -> web.StreamResponse:
    """The recording as one Matroska file, streamed as it is made."""
    plan = await _plan(request, need_format=True)
    response = web.StreamResponse(
        headers={
            "Content-Type": MATROSKA,
            "Content-Disposition": content_disposition(plan.filename),
            "Cache-Control": "no-cache",
        }
    )
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    exports = storage(request).exports
    running = exports.open(plan)
    complete = False
    try:
        async for chunk in running.pipe.chunks():
            await response.write(chunk)
        complete = True
    except (OSError, ConnectionError):
        complete = False
    finally:
        await exports.close(running)
    if not complete:
        # Cut the connection: a truncated download must not end like a whole one.
        response.force_close()
        if request.transport is not None:
            request.transport.close()
    return response


async def handle_properties(request: web.Request) -> web.Response:
    """``properties.cgi``: the exact start and stop of an export and its estimated size (kB)."""
    plan = await _plan(request, need_format=False)
    root, success = storage_xml.export_response("PropertiesSuccess")
    storage_xml.child(
        success,
        "ExportProperties",
        {
            "RecordingId": plan.recording.id,
            "ExportFormat": FORMAT,
            "EstimatedFileSize": str(max(1, plan.estimated_size // 1024)),
            "Starttime": utc_text(plan.first),
            "Stoptime": utc_text(plan.last),
        },
    )
    return storage_xml.xml_reply(root)


async def handle_capabilities(request: web.Request) -> web.Response:
    """``capabilities.cgi``: Matroska, no encryption."""
    args = await read_args(request)
    check_args(args, ("schemaversion",))
    _schema(args)
    root, success = storage_xml.export_response("CapabilitiesSuccess")
    storage_xml.child(success, "ExportCapabilities", {"ExportFormat": FORMAT})
    return storage_xml.xml_reply(root)


def setup(router: Router) -> None:
    """Register the export API under every prefix (viewers may export, as on Axis devices)."""
    for path, handler in (
        ("record/export/exportrecording.cgi", handle_export),
        ("record/export/properties.cgi", handle_properties),
        ("record/export/capabilities.cgi", handle_capabilities),
    ):
        router.add(
            path, handler, AccessLevel.VIEWER, reply=STORAGE_EXPORT, acts=READS, methods=("GET",)
        )
