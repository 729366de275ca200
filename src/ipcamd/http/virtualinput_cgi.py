"""Axis's virtual input API: ``virtualinput/activate.cgi``, ``deactivate.cgi`` and
``getschemaversions.cgi``, answered in XML as Axis devices answer (see
:mod:`ipcamd.http.virtualinput_xml`).

``activate.cgi?schemaversion=1&port=<1-32>[&duration=<seconds>]`` and
``deactivate.cgi?schemaversion=1&port=<1-32>`` need an operator. ``StateChanged`` says whether
the input was in the other state. Errors are 200 with a ``GeneralError`` code: 10 a missing
``schemaversion`` or ``port``, 20 no such input (0, 33, ``abc``), 30 a schema major version
other than 1, 50 a bad ``duration``. Other arguments are ignored, as the API defines no error for
them.
"""

from __future__ import annotations

import re

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import NotFound
from ipcamd.http.error_replies import VIRTUAL_INPUT
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.routing import ACTS, READS, Router
from ipcamd.http.virtualinput_xml import SUPPORTED_MAJOR, schema_versions, success
from ipcamd.io.virtual_inputs import (
    MAX_DURATION,
    InvalidDuration,
    MissingArgument,
    UnsupportedSchemaVersion,
    VirtualInputs,
)

_NUMBER = re.compile(r"[0-9]{1,10}")


def _inputs(request: web.Request) -> VirtualInputs:
    return request.app[DEVICE].virtual_inputs


def _port(args: Args, inputs: VirtualInputs) -> int:
    """``schemaversion`` and ``port`` checked, in the order of the error codes."""
    version, raw = args.get("schemaversion"), args.get("port")
    for name, value in (("schemaversion", version), ("port", raw)):
        if value is None:
            raise MissingArgument(f"Missing argument: {name}")
    if version not in SUPPORTED_MAJOR:
        raise UnsupportedSchemaVersion(
            f"Schema version '{version}' is not supported (supported: {', '.join(SUPPORTED_MAJOR)})"
        )
    assert raw is not None
    if not _NUMBER.fullmatch(raw):
        raise NotFound(f"Virtual input '{raw}' does not exist (1 to {inputs.count})")
    port = int(raw)
    inputs.check_port(port)
    return port


def _duration(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not _NUMBER.fullmatch(raw) or int(raw) > MAX_DURATION:
        raise InvalidDuration(f"Invalid duration '{raw}' (0 to {MAX_DURATION} seconds)")
    return int(raw)


async def handle_activate(request: web.Request) -> web.Response:
    """Activate a virtual input (for ``duration`` seconds, if given)."""
    args = await read_args(request)
    inputs = _inputs(request)
    port = _port(args, inputs)
    duration = _duration(args.get("duration"))
    return success("ActivateSuccess", inputs.activate(port, duration))


async def handle_deactivate(request: web.Request) -> web.Response:
    """Deactivate a virtual input."""
    args = await read_args(request)
    inputs = _inputs(request)
    return success("DeactivateSuccess", inputs.deactivate(_port(args, inputs)))


async def handle_schema_versions(request: web.Request) -> web.Response:
    """The schema versions the replies can be written in."""
    await read_args(request)
    return schema_versions()


def setup(router: Router) -> None:
    """Register the virtual input CGIs under every prefix (operators and above)."""
    operator = AccessLevel.OPERATOR
    for path, handler in (
        ("virtualinput/activate.cgi", handle_activate),
        ("virtualinput/deactivate.cgi", handle_deactivate),
    ):
        router.add(path, handler, operator, reply=VIRTUAL_INPUT, acts=ACTS)
    router.add(
        "virtualinput/getschemaversions.cgi",
        handle_schema_versions,
        operator,
        reply=VIRTUAL_INPUT,
        acts=READS,
    )
