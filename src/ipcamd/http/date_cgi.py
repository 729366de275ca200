"""``date.cgi`` (5.1.12): get or set the device clock.

``action=get`` → ``Apr 03, 2003 15:16:04\\r\\n`` in local time; ``action=set`` with any of
year, month, day, hour, minute, second (and ``timezone=GMT``) → ``OK\\r\\n``; failures are raised
and the route's shape writes ``Request failed: <message>\\r\\n`` in a 200.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.http.caller import caller_name
from ipcamd.http.error_replies import REQUEST_FAILED
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import shown, text
from ipcamd.http.routing import Router, acts_on
from ipcamd.system.clock import FIELD_RANGES, compose

#: Month names as the spec prints them, whatever the host's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DIGITS = re.compile(r"[0-9]{1,4}")


def format_date(moment: datetime) -> str:
    """``Apr 03, 2003 15:16:04`` (5.1.12.1)."""
    return (
        f"{MONTHS[moment.month - 1]} {moment.day:02d}, {moment.year:04d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )


def _single_values(args: Args, allowed: tuple[str, ...]) -> dict[str, str]:
    unknown = args.unknown(allowed)
    if unknown:
        raise InvalidParameter(f"Unknown argument '{shown(unknown[0])}'")
    values: dict[str, str] = {}
    for name, value in args:
        if name in values:
            raise InvalidParameter(f"Argument '{shown(name)}' given more than once")
        values[name] = value
    return values


def _parse_fields(values: dict[str, str]) -> dict[str, int]:
    fields: dict[str, int] = {}
    for name, (low, high) in FIELD_RANGES.items():
        raw = values.get(name)
        if raw is None:
            continue
        if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
            raise InvalidParameter(f"Invalid {name} '{shown(raw)}' (expected {low}-{high})")
        fields[name] = int(raw)
    return fields


async def handle(request: web.Request) -> web.StreamResponse:
    """Dispatch on ``action``."""
    clock = request.app[DEVICE].clock
    values = _single_values(await read_args(request), ("action", *FIELD_RANGES, "timezone"))
    action = values.get("action")
    if action == "get":
        if len(values) > 1:
            raise InvalidParameter("action=get takes no other argument")
        return text(format_date(clock.local_now()) + "\r\n")
    if action != "set":
        raise InvalidParameter(
            "Missing action (get or set)"
            if action is None
            else f"Invalid action '{shown(action)}' (get or set)"
        )
    fields = _parse_fields(values)
    zone = values.get("timezone")
    if zone is not None and zone != "GMT":
        raise InvalidParameter(f"Invalid timezone '{shown(zone)}' (only GMT is supported)")
    if not fields:
        raise InvalidParameter("Nothing to set: give year, month, day, hour, minute or second")
    clock.check_settable()
    current = clock.now() if zone == "GMT" else clock.local_now()
    await clock.async_set(compose(fields, current).astimezone(UTC), caller_name(request))
    return text("OK\r\n")


def setup(router: Router) -> None:
    """Admin only, get and set alike, as under ``/axis-cgi/admin/`` on real devices."""
    router.add(
        "date.cgi", handle, AccessLevel.ADMIN, reply=REQUEST_FAILED, acts=acts_on("action", "set")
    )
