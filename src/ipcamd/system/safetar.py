"""Reading an uploaded tar archive (bytes, or the file an upload was streamed to), trusting
nothing in it.

Nothing is ever extracted to disk (extraction filters have been bypassed before): the allow-listed
regular members are read into memory with a size cap each, and anything else — ``../`` or absolute
names, links, devices, FIFOs, sparse or oversized members, duplicates, too many members, or a
compressed archive (no decompression bomb can start) — refuses the whole archive.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ipcamd.errors import InvalidParameter

_REGULAR = (tarfile.REGTYPE, tarfile.AREGTYPE)


#: An archive as uploaded: its bytes, or the file it was received into.
Source = bytes | Path


@contextlib.contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
        return
    with source.open("rb") as file:
        yield file


def read_members(
    source: Source,
    allowed: Callable[[str], bool],
    *,
    max_member: int,
    max_members: int = 64,
) -> dict[str, bytes]:
    """Name → content of every member of the uncompressed tar ``source``; all or refused."""
    with _opened(source) as file:
        return _read_members(file, allowed, max_member, max_members)


def _read_members(
    file: BinaryIO, allowed: Callable[[str], bool], max_member: int, max_members: int
) -> dict[str, bytes]:
    if not file.read(1):
        raise InvalidParameter("empty file")
    file.seek(0)
    try:
        archive = tarfile.open(fileobj=file, mode="r:")  # noqa: SIM115 - closed below
    except tarfile.TarError as err:
        raise InvalidParameter("not an uncompressed tar archive") from err
    members: dict[str, bytes] = {}
    try:
        while True:
            try:
                info = archive.next()
            except tarfile.TarError as err:
                raise InvalidParameter(f"damaged tar archive ({err})") from err
            if info is None:
                break
            name = _check_member(info, allowed, max_member)
            if name in members:
                raise InvalidParameter(f"member {name!r} appears twice")
            if len(members) >= max_members:
                raise InvalidParameter(f"more than {max_members} members")
            stream = archive.extractfile(info)
            if stream is None:
                raise InvalidParameter(f"member {name!r} is not a regular file")
            try:
                content = stream.read(max_member + 1)
            except (tarfile.TarError, OSError) as err:
                raise InvalidParameter(f"damaged member {name!r} ({err})") from err
            if len(content) != info.size:
                raise InvalidParameter(f"member {name!r} is truncated")
            members[name] = content
    finally:
        archive.close()
    return members


def _check_member(info: tarfile.TarInfo, allowed: Callable[[str], bool], max_member: int) -> str:
    name = info.name
    if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
        raise InvalidParameter(f"unsafe member name {name!r}")
    if info.type not in _REGULAR or info.issparse():
        raise InvalidParameter(f"member {name!r} is not a regular file")
    if not allowed(name):
        raise InvalidParameter(f"unexpected member {name!r}")
    if info.size > max_member:
        raise InvalidParameter(f"member {name!r} is larger than {max_member} bytes")
    return name


def write_members(members: dict[str, bytes], mtime: int) -> bytes:
    """A plain ustar archive of regular files, mode 0600, owned by nobody in particular."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:", format=tarfile.USTAR_FORMAT) as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = mtime
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()
