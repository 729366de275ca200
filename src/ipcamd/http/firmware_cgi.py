"""``firmwareupgrade.cgi`` (5.1.7): upload a signed bundle, answer, relaunch on the new version.

``type=normal`` keeps the settings; ``type=factorydefault`` makes the new version apply a factory
default (5.1.3) at its first start. Any fault is ``Request failed: <reason>\\r\\n`` (400; 413 when
too large; 409 while another upgrade is under way, answered before its body is read) and nothing
changes. The bundle is streamed to a file in the data directory, never held whole in memory.
"""

from __future__ import annotations

import logging

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import Conflict, InvalidParameter, UploadTooLarge
from ipcamd.http.caller import caller_name
from ipcamd.http.error_replies import LIFECYCLE
from ipcamd.http.forms import query_args
from ipcamd.http.keys import DEVICE, UPLOADS
from ipcamd.http.routing import ACTS, Router
from ipcamd.http.system_cgi import answer_then_restart
from ipcamd.http.uploads import received_upload
from ipcamd.system.firmware.bundle import MAX_BUNDLE
from ipcamd.system.lifecycle import RestartKind, RestartRequest

_LOGGER = logging.getLogger(__name__)
TYPES = ("normal", "factorydefault")


async def handle_firmware_upgrade(request: web.Request) -> web.Response:
    """Verify and install the uploaded bundle, then relaunch."""
    args = query_args(request)
    unknown = args.unknown(("type",))
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}'")
    kind = args.get("type") or "normal"
    if kind not in TYPES:
        raise InvalidParameter(f"Invalid type '{kind}' (normal or factorydefault)")
    device = request.app[DEVICE]
    if device.firmware.busy:
        raise Conflict("another firmware upgrade is in progress")  # before the body is read
    with request.app[UPLOADS].claim("firmware upgrade"):
        try:
            async with received_upload(request, MAX_BUNDLE) as bundle:
                version = await device.firmware.async_upgrade(
                    bundle,
                    factory_default=kind == "factorydefault",
                    running=device.identity.firmware_version,
                    db=device.db,
                )
        except UploadTooLarge:
            raise
        except InvalidParameter as err:
            _LOGGER.warning("Firmware upgrade by %s refused: %s", caller_name(request), err)
            raise
    _LOGGER.info("Firmware %s (%s) installed by %s", version, kind, caller_name(request))
    return await answer_then_restart(
        request, RestartRequest(f"firmware upgrade to {version}", kind=RestartKind.RELAUNCH)
    )


def setup(router: Router) -> None:
    """Register firmwareupgrade.cgi (POST, administrators only)."""
    router.add(
        "firmwareupgrade.cgi",
        handle_firmware_upgrade,
        AccessLevel.ADMIN,
        reply=LIFECYCLE,
        acts=ACTS,
        methods=("POST",),
    )
