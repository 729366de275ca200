"""Spec 5.4.5: ``motion/motiondata.cgi``, the motion levels of the unit's windows as a stream.

The reply is ``multipart/x-mixed-replace;boundary=mdb``; the body opens with ``--mdb\\r\\n``
and each analysed picture is one part, ``Content-Type:text/plain\\r\\n\\r\\n`` (no space after
the colon, exactly as the spec's example shows) and a ``group=<n>;level=<l>;threshold=<t>;\\r\\n``
line per window in window order, ending with the boundary. No chunked encoding: the body runs
until the client closes the connection (or the unit stops). 204 when there is no include
window to report, 400 for a bad request, 503 beyond the configured number of clients.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.events import MotionLevel
from ipcamd.http.error_replies import STATUS
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import NO_CACHE, UntilCloseResponse
from ipcamd.http.routing import READS, Router

BOUNDARY = "mdb"
CONTENT_TYPE = f"multipart/x-mixed-replace;boundary={BOUNDARY}"
DELIMITER = f"--{BOUNDARY}\r\n".encode()
PART_HEAD = b"Content-Type:text/plain\r\n\r\n"
_GROUP = re.compile(r"[0-9]{1,4}")


def parse_groups(values: Sequence[str]) -> list[int] | None:
    """``group=0,1`` (and repeated ``group=``) → window numbers; None when not given."""
    if not values:
        return None
    numbers = []
    for value in values:
        for item in value.split(","):
            if not _GROUP.fullmatch(item):
                raise InvalidParameter(f"Invalid group '{item}' (window numbers, e.g. group=0,1)")
            numbers.append(int(item))
    return numbers


def format_part(levels: Sequence[MotionLevel]) -> bytes:
    """One part of the body: its head, a line per window, the boundary (5.4.5)."""
    lines = "".join(
        f"group={level.window};level={level.level};threshold={level.threshold};\r\n"
        for level in levels
    )
    return PART_HEAD + lines.encode("ascii") + DELIMITER


async def handle_motiondata(request: web.Request) -> web.StreamResponse:
    """``motion/motiondata.cgi[?group=0,1][&Sensitivity=…]``: levels until the client goes."""
    args = await read_args(request)
    motion = request.app[DEVICE].motion
    groups = parse_groups(args.getall("group"))
    selection = motion.select(groups, args.without("group"))
    if selection is None:
        return web.Response(status=204, headers=NO_CACHE)
    response = UntilCloseResponse(headers={"Content-Type": CONTENT_TYPE, **NO_CACHE})
    response.force_close()
    if request.method == "HEAD":
        motion.check_capacity()  # the head a GET would get: 503 when it would be refused
        await response.prepare(request)
        return response
    # A client that hangs up just ends its stream.
    with motion.open_levels(selection) as stream, contextlib.suppress(ConnectionError):
        await response.prepare(request)
        await response.write(DELIMITER)
        async for part in stream:
            await response.write(format_part(part))
    return response


def setup(router: Router) -> None:
    """Register motiondata.cgi: it only reads, and fails with a plain status."""
    router.add(
        "motion/motiondata.cgi", handle_motiondata, AccessLevel.VIEWER, reply=STATUS, acts=READS
    )
