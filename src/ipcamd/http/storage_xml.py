"""The XML of the storage CGIs (spec 5.9 and Axis's edge storage API), built with ElementTree.

Every document is written by :mod:`xml.etree.ElementTree`, so every attribute and text is
escaped (``& < > "``, line breaks as character references); characters XML 1.0 cannot carry at
all (controls, U+FFFE, U+FFFF) are shown percent-encoded, so a reply is well-formed whatever a
request sent. Documents start with ``<?xml version="1.0" ?>`` as the spec shows them and go out
as ``text/xml``, as real devices send them, with status 200 (failures too).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from urllib.parse import quote

from aiohttp import web

from ipcamd.storage.index import RecordingPage
from ipcamd.storage.model import (
    VIDEO_MIME,
    DiskInfo,
    Recording,
    local_text,
    utc_text,
)

CONTENT_TYPE = "text/xml"
DECLARATION = '<?xml version="1.0" ?>\n'
#: Characters XML 1.0 cannot hold even as references, and the line-breaking ones.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
#: The attributes Axis's export API adds to its root.
EXPORT_NAMESPACE = {
    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "SchemaVersion": "1.0",
    "xsi:noNamespaceSchemaLocation": "http://www.axis.com/vapix/http_cgi/exportrecording1.xsd",
}


def safe(text: str) -> str:
    """``text`` with every character XML cannot carry percent-encoded (the rest ElementTree
    escapes when it writes)."""
    return _UNSAFE.sub(lambda m: quote(m.group(), safe="", errors="backslashreplace"), text)


def _attributes(values: Mapping[str, str]) -> dict[str, str]:
    return {name: safe(value) for name, value in values.items()}


def element(tag: str, values: Mapping[str, str] | None = None) -> ET.Element:
    """An element with safe attribute values, in the order given."""
    return ET.Element(tag, _attributes(values or {}))


def child(parent: ET.Element, tag: str, values: Mapping[str, str] | None = None) -> ET.Element:
    """A sub-element with safe attribute values, in the order given."""
    return ET.SubElement(parent, tag, _attributes(values or {}))


def document(root: ET.Element) -> bytes:
    """The whole document: the declaration, then ``root`` indented two spaces per level."""
    ET.indent(root, space="  ")
    return (DECLARATION + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def xml_reply(root: ET.Element) -> web.Response:
    """A 200 ``text/xml`` reply of the document of ``root``."""
    response = web.Response(body=document(root))
    response.headers["Content-Type"] = CONTENT_TYPE
    return response


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def disks(root: ET.Element, items: Iterable[DiskInfo]) -> None:
    """5.9.3's ``<disks numberofdisks="1"><disk diskid="SD_DISK" …/></disks>`` under ``root``."""
    listed = list(items)
    parent = child(root, "disks", {"numberofdisks": str(len(listed))})
    for disk in listed:
        child(
            parent,
            "disk",
            {
                "diskid": disk.diskid,
                "totalsize": str(disk.total_kb),
                "freesize": str(disk.free_kb),
                "cleanuplevel": str(disk.cleanup_level),
                "cleanupmaxage": str(disk.cleanup_max_age),
                "cleanuppolicy": disk.cleanup_policy.value,
                "locked": _yes(disk.locked),
                "full": _yes(disk.full),
                "readonly": _yes(disk.readonly),
                "status": disk.status.value,
            },
        )


def recordings(root: ET.Element, page: RecordingPage, local: Callable[[float], datetime]) -> None:
    """5.9.4's ``<recordings …><recording …><video …/></recording></recordings>``."""
    parent = child(
        root,
        "recordings",
        {"totalnumberofrecordings": str(page.total), "numberofrecordings": str(page.matched)},
    )
    for recording in page.recordings:
        _recording(parent, recording, local)


def _recording(
    parent: ET.Element, recording: Recording, local: Callable[[float], datetime]
) -> None:
    stop = recording.stop
    item = child(
        parent,
        "recording",
        {
            "recordingid": recording.id,
            "diskid": recording.diskid,
            "starttime": utc_text(recording.start),
            "starttimelocal": local_text(local(recording.start)),
            "stoptime": "" if stop is None else utc_text(stop),
            "stoptimelocal": "" if stop is None else local_text(local(stop)),
            "recordingtype": recording.type.value,
            "eventid": recording.event_id,
            "recordingstatus": recording.status.value,
            "locked": _yes(recording.locked),
        },
    )
    span = None if stop is None else stop - recording.start
    framerate = recording.framerate(span)
    numerator, _, denominator = framerate.partition(":")
    child(
        item,
        "video",
        {
            "mimetype": VIDEO_MIME,
            "source": str(recording.camera),
            "framerate": framerate,
            "resolution": recording.resolution,
            "codecdata": "",
            "capsstr": (
                f"{VIDEO_MIME}, squarepixelenabled=(boolean)false, width=(int){recording.width}, "
                f"height=(int){recording.height}, framerate=(fraction){numerator}/{denominator}"
            ),
        },
    )


def result(
    tag: str, values: Mapping[str, str], *, error: str | None = None, message: str = "description"
) -> ET.Element:
    """``<root><tag … result="OK"/></root>``, or ``result="ERROR"`` with the message in the
    attribute ``message`` names (``description`` or ``errormsg``, as each CGI of Axis's)."""
    root = element("root")
    attributes = dict(values)
    attributes["result"] = "OK" if error is None else "ERROR"
    if error is not None:
        attributes[message] = error
    child(root, tag, attributes)
    return root


def export_error(code: int, description: str) -> ET.Element:
    """Axis's export API's ``GeneralError`` with its numeric code."""
    root = element("ExportRecordingResponse", EXPORT_NAMESPACE)
    general = child(root, "GeneralError")
    child(general, "ErrorCode").text = str(code)
    child(general, "ErrorDescription").text = safe(description)
    return root


def export_response(tag: str) -> tuple[ET.Element, ET.Element]:
    """An ``ExportRecordingResponse`` with its success element ``tag``: (root, success)."""
    root = element("ExportRecordingResponse", EXPORT_NAMESPACE)
    return root, child(root, tag)
