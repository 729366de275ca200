"""``backup.cgi`` (5.1.5) and ``restore.cgi`` (5.1.6).

A backup is ``application/x-tar`` with ``Content-Disposition: attachment;
filename=backup_<MAC>.tar``; it carries the accounts (their password hashes) only when root asks
for it. A restore checks the whole upload (this unit's signature first), then the server stops
the unit, applies it in one transaction and the CGI answers with the outcome before the unit
opens again: ``OK\\r\\n`` once committed; any fault is ``Request failed: <reason>\\r\\n`` (400 for
a bad upload, 413 when too large, 500 when it could not be written) and nothing changes. Only
root restores accounts, and only root may ask (``foreign=yes``) for an archive this unit did
not sign; an administrator's restore keeps the accounts and says so in the log.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter, UploadTooLarge
from ipcamd.http.caller import caller_level, caller_name
from ipcamd.http.error_replies import LIFECYCLE
from ipcamd.http.forms import query_args
from ipcamd.http.keys import DEVICE, UPLOADS
from ipcamd.http.middlewares import unauthorized
from ipcamd.http.routing import ACTS, READS, Router
from ipcamd.http.system_cgi import apply_then_restart, refuse_arguments
from ipcamd.http.uploads import received_upload
from ipcamd.system.backup import MAX_UPLOAD, backup_filename, dump_step, make_archive, parse_backup
from ipcamd.system.lifecycle import RestartRequest

_LOGGER = logging.getLogger(__name__)


async def handle_backup(request: web.Request) -> web.Response:
    """The whole configuration as a tar archive."""
    await refuse_arguments(request)
    device = request.app[DEVICE]
    accounts = caller_level(request) >= AccessLevel.ROOT
    dumped = await device.db.async_call(
        dump_step(device.schema, device.config_tables, accounts=accounts)
    )
    archive = await asyncio.to_thread(make_archive, device.identity, dumped, device.backup_key)
    _LOGGER.info(
        "Backup downloaded by %s (%s)",
        caller_name(request),
        "with the accounts" if accounts else "without the accounts: root's backups hold them",
    )
    return web.Response(
        body=archive,
        headers={
            "Content-Type": "application/x-tar",
            "Content-Disposition": f"attachment; filename={backup_filename(device.identity)}",
        },
    )


def _foreign(request: web.Request) -> bool:
    """``foreign=yes``: root accepts an archive this unit did not sign (another unit's backup).
    Refused for anyone else before the upload is read."""
    args = query_args(request)
    unknown = args.unknown(("foreign",))
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}'")
    foreign = args.get("foreign") or "no"
    if foreign not in ("yes", "no"):
        raise InvalidParameter(f"Invalid foreign '{foreign}' (yes or no)")
    if foreign == "yes" and caller_level(request) < AccessLevel.ROOT:
        raise unauthorized(request.app[DEVICE].authenticator)
    return foreign == "yes"


async def handle_restore(request: web.Request) -> web.Response:
    """Check the uploaded backup completely, apply it while the device is stopped, answer with
    the outcome."""
    device = request.app[DEVICE]
    foreign = _foreign(request)
    level = caller_level(request)
    with request.app[UPLOADS].claim("restore"):
        try:
            async with received_upload(request, MAX_UPLOAD) as upload:
                plan = await asyncio.to_thread(
                    parse_backup,
                    upload,
                    device.identity,
                    device.schema,
                    device.config_tables,
                    key=device.backup_key,
                    caller=level,
                    foreign=foreign,
                )
        except UploadTooLarge:
            raise
        except InvalidParameter as err:
            _LOGGER.warning("Restore by %s refused: %s", caller_name(request), err)
            raise
        _LOGGER.info(
            "Restoring the backup of %s (%s unit) uploaded by %s",
            plan.source_mac,
            "this" if plan.same_unit else "another",
            caller_name(request),
        )
        if plan.accounts_kept:
            _LOGGER.info("Restore: accounts kept as they are (%s)", plan.accounts_kept)
        return await apply_then_restart(request, RestartRequest("restore", apply=plan.apply))


def setup(router: Router) -> None:
    """Register backup.cgi (GET) and restore.cgi (POST), administrators only."""
    router.add("backup.cgi", handle_backup, AccessLevel.ADMIN, reply=LIFECYCLE, acts=READS)
    router.add(
        "restore.cgi",
        handle_restore,
        AccessLevel.ADMIN,
        reply=LIFECYCLE,
        acts=ACTS,
        methods=("POST",),
    )
