"""Building uploads by hand: RFC 1867 bodies and tar archives, including hostile ones."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from typing import Any


def multipart(
    content: bytes,
    *,
    field: str = "backup.tar",
    filename: str = "backup.tar",
    boundary: str = "AaBo3x",
    close: bool = True,
) -> tuple[bytes, dict[str, str]]:
    """A body exactly in the shape of 5.1.6 and its Content-Type header."""
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/x-tar\r\n\r\n"
    ).encode() + content
    body += f"\r\n--{boundary}--\r\n".encode() if close else b""
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def read_tar(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        out = {}
        for info in archive.getmembers():
            stream = archive.extractfile(info)
            assert stream is not None
            out[info.name] = stream.read()
        return out


def write_tar(members: dict[str, bytes], extra: list[tarfile.TarInfo] | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:", format=tarfile.GNU_FORMAT) as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for info in extra or []:
            archive.addfile(info)
    return out.getvalue()


def special(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def edit_backup(data: bytes, member: str, change: Any, *, fix_manifest: bool = True) -> bytes:
    """Apply ``change(json_value)`` to ``member``; rewrite the manifest's checksum unless told."""
    members = read_tar(data)
    value = json.loads(members[member])
    change(value)
    members[member] = json.dumps(value).encode()
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        manifest["members"][member] = hashlib.sha256(members[member]).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()
    return write_tar(members)
