"""``systemlog.cgi`` (5.1.10): the system log, oldest line first, as ``text/plain``."""

from __future__ import annotations

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.http.error_replies import LIFECYCLE
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import NO_CACHE, text
from ipcamd.http.routing import READS, Router


async def handle(request: web.Request) -> web.StreamResponse:
    """Every kept line, each ending in ``\\n`` (as a syslog file)."""
    lines = await request.app[DEVICE].syslog.async_lines()
    return text("".join(line + "\n" for line in lines), headers=dict(NO_CACHE))


def setup(router: Router) -> None:
    """Administrators only, GET only, as 5.1.10 says."""
    router.add(
        "systemlog.cgi", handle, AccessLevel.ADMIN, reply=LIFECYCLE, acts=READS, methods=("GET",)
    )
