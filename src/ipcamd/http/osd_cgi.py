"""``setosd.cgi`` (spec 5.1.13): what the text bar on the images shows.

It sets ``Image.I<n>.Text.DateEnabled``, ``ClockEnabled``, ``TextEnabled`` and ``String`` of
every camera; ``Commit=yes`` writes them to the parameter store ("flash"), ``Commit=no`` (the
default) keeps them until restart. The reply is ``OK\\r\\n``, as param.cgi's update; a failure is a
plain 400 with its reason (the route's shape).
"""

from __future__ import annotations

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.http.caller import caller_level, caller_name
from ipcamd.http.error_replies import STATUS
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import text
from ipcamd.http.routing import ACTS, Router
from ipcamd.params.types import reject_control_characters
from ipcamd.video.service import OSD_SETTINGS

ARGUMENTS = ("Commit", *OSD_SETTINGS)


async def handle_setosd(request: web.Request) -> web.Response:
    """Validate every argument, then apply them all (or nothing)."""
    args = await read_args(request)
    unknown = args.unknown(ARGUMENTS)
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}' (one of {', '.join(ARGUMENTS)})")
    commit = args.get("Commit") or "no"
    if commit not in ("yes", "no"):
        raise InvalidParameter(f"Invalid Commit '{commit}' (yes or no)")
    values = {name: value for name in OSD_SETTINGS if (value := args.get(name)) is not None}
    if not values:
        raise InvalidParameter(f"Nothing to set ({', '.join(OSD_SETTINGS)})")
    for value in values.values():
        reject_control_characters(value)  # before any message could echo them
    await request.app[DEVICE].video.async_set_osd(
        values, commit == "yes", caller_level(request), caller_name(request)
    )
    return text("OK\r\n")


def setup(router: Router) -> None:
    """Register setosd.cgi: every call sets the overlay."""
    router.add("setosd.cgi", handle_setosd, AccessLevel.OPERATOR, reply=STATUS, acts=ACTS)
