"""Spec 5.5: ``io/port.cgi``, ``io/input.cgi`` and ``io/output.cgi``; and ipcamd's own
``ipcamd/io/input.cgi``, which sets the virtual backend's inputs for scripts.

Numbering (docs/io.md): ``port.cgi`` counts every port from 1 (port ``n`` is ``IOPort.I<n-1>``,
as the ``axis`` library sends ``action=<n>:/``); ``input.cgi`` and ``output.cgi`` count their
own direction from 1. Replies are ``text/plain`` lines ending in ``\\r\\n``:
``port1=1`` (``check``: 1 closed circuit, 0 open), ``port1=active`` (``checkactive``),
``port3=output`` (``checkdirection``), ``input1=0``, ``output1=inactive``. An ``action`` answers
an empty 200 once its first change is made (its later steps run on); ``monitor`` streams
(:mod:`ipcamd.http.io_monitor`). Every argument is checked before anything is read or moved:
a malformed one is a 400, a port the unit does not have a 404. Reading needs a viewer; an
``action`` needs an operator (the route's ``act_level``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.events import PortDirection
from ipcamd.http.caller import caller_name
from ipcamd.http.error_replies import STATUS
from ipcamd.http.forms import Args, read_args
from ipcamd.http.io_monitor import monitor
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import text
from ipcamd.http.routing import ACTS, READS, Router, acts_on
from ipcamd.io.actions import MAX_WAIT_MS, Step, parse_action
from ipcamd.io.ports import IOLayout, Port, parse_ids
from ipcamd.io.service import IOService

_LOGGER = logging.getLogger(__name__)

#: Arguments that must come alone.
_ALONE = ("monitor", "action")


@dataclass(frozen=True)
class Scope:
    """One of the three CGIs: how it numbers ports and what it takes."""

    #: ``port``, ``input`` or ``output``: the CGI's name and its reply lines' prefix.
    name: str
    arguments: tuple[str, ...]
    #: The direction it numbers (None: every port, as port.cgi).
    direction: PortDirection | None

    def port(self, layout: IOLayout, number: int) -> Port:
        """Port ``number`` as this CGI counts; :class:`~ipcamd.errors.NotFound` if none."""
        if self.direction is None:
            return layout.by_number(number)
        return layout.by_ordinal(self.direction, number)

    def label(self, port: Port) -> str:
        """``port3``, ``input1``, ``output1``."""
        return f"{self.name}{port.number if self.direction is None else port.ordinal}"


PORT = Scope("port", ("check", "checkactive", "checkdirection", "monitor", "action"), None)
INPUT = Scope("input", ("check", "checkactive", "monitor"), PortDirection.INPUT)
OUTPUT = Scope("output", ("check", "checkactive", "monitor", "action"), PortDirection.OUTPUT)


def _io(request: web.Request) -> IOService:
    return request.app[DEVICE].io


def _check_arguments(args: Args, allowed: tuple[str, ...]) -> None:
    """Known names, each once; ``monitor`` and ``action`` alone."""
    unknown = args.unknown(allowed)
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}' (one of {', '.join(allowed)})")
    names = args.names()
    if not names:
        raise InvalidParameter(f"Nothing to do (give one of {', '.join(allowed)})")
    for name in names:
        args.get(name)  # MalformedRequest when given twice
    alone = [name for name in names if name in _ALONE]
    if alone and len(names) > 1:
        raise InvalidParameter(f"'{alone[0]}' cannot be combined with other arguments")


def _answer(io: IOService, argument: str, port: Port) -> str:
    if argument == "check":
        return "1" if io.closed(port) else "0"
    if argument == "checkactive":
        return "active" if io.active(port) else "inactive"
    return port.direction.value


async def _handle(request: web.Request, scope: Scope) -> web.StreamResponse:
    args = await read_args(request)
    _check_arguments(args, scope.arguments)
    io = _io(request)
    layout = io.layout
    name, value = args[0]
    if name == "action":
        action = parse_action(value)
        if action.port is not None:
            port = scope.port(layout, action.port)
        else:  # "If omitted, output 1 is selected."
            port = layout.by_ordinal(PortDirection.OUTPUT, 1)
        if port.is_input:
            raise InvalidParameter(
                f"Port {port.number} is an input; action is valid for output ports only"
            )
        io.act(port, action.steps)
        _LOGGER.info("I/O %s action %s by %s", scope.label(port), value, caller_name(request))
        return text("")
    if name == "monitor":
        return await monitor(request, [scope.port(layout, n) for n in parse_ids(name, value)])
    queries = [
        (argument, [scope.port(layout, n) for n in parse_ids(argument, ids)])
        for argument, ids in args
    ]
    return text(
        "".join(
            f"{scope.label(port)}={_answer(io, argument, port)}\r\n"
            for argument, ports in queries
            for port in ports
        )
    )


async def handle_port(request: web.Request) -> web.StreamResponse:
    """``io/port.cgi``: every port, numbered from 1."""
    return await _handle(request, PORT)


async def handle_input(request: web.Request) -> web.StreamResponse:
    """``io/input.cgi``: the inputs, numbered from 1."""
    return await _handle(request, INPUT)


async def handle_output(request: web.Request) -> web.StreamResponse:
    """``io/output.cgi``: the outputs, numbered from 1."""
    return await _handle(request, OUTPUT)


# --------------------------------------------------------------------------- ipcamd's own

SCRIPT_ARGUMENTS = ("port", "state", "pulse", "action")
_STATES = {"active": True, "inactive": False}


def _script_steps(args: Args, layout: IOLayout) -> tuple[Port, tuple[Step, ...]]:
    """The input and steps of an ``ipcamd/io/input.cgi`` request (checked whole)."""
    _check_arguments(args, SCRIPT_ARGUMENTS)
    given = [name for name in ("state", "pulse", "action") if args.get(name) is not None]
    if len(given) != 1:
        raise InvalidParameter("Give exactly one of state, pulse or action")
    (kind,) = given
    value = args.get(kind) or ""
    raw_port = args.get("port")
    if kind == "action":  # alone (checked above): the port is the action's own
        action = parse_action(value)
        port = layout.by_number(1 if action.port is None else action.port)
        steps = action.steps
    else:
        if raw_port is None:
            raise InvalidParameter(f"The port argument is required with {kind}")
        numbers = parse_ids("port", raw_port)
        if len(numbers) != 1:
            raise InvalidParameter("One port at a time")
        port = layout.by_number(numbers[0])
        if kind == "state":
            if value not in _STATES:
                raise InvalidParameter(f"Invalid state '{value}' (active or inactive)")
            steps = (Step(0, _STATES[value]),)
        else:
            if not value.isdigit() or not 1 <= int(value) <= MAX_WAIT_MS:
                raise InvalidParameter(f"Invalid pulse '{value}' (1 to {MAX_WAIT_MS} ms)")
            steps = (Step(0, True), Step(int(value), False))
    if not port.is_input:
        raise InvalidParameter(f"Port {port.number} is an output; only inputs are set here")
    return port, steps


async def handle_script_input(request: web.Request) -> web.Response:
    """``ipcamd/io/input.cgi?port=1&state=active|inactive``, ``?port=1&pulse=500``,
    ``?action=1:/200\\``: set a virtual input as a wire would (the GPIO backend: 409)."""
    io = _io(request)
    port, steps = _script_steps(await read_args(request), io.layout)
    io.simulate(port, steps)
    _LOGGER.debug("Input %d set by %s", port.ordinal, caller_name(request))
    return text("OK\r\n")


def setup(router: Router) -> None:
    """Register the I/O CGIs under every prefix."""
    viewer, operator = AccessLevel.VIEWER, AccessLevel.OPERATOR
    acting = acts_on("action")
    for path, handler in (("io/port.cgi", handle_port), ("io/output.cgi", handle_output)):
        router.add(path, handler, viewer, reply=STATUS, acts=acting, act_level=operator)
    router.add("io/input.cgi", handle_input, viewer, reply=STATUS, acts=READS)
    router.add("ipcamd/io/input.cgi", handle_script_input, operator, reply=STATUS, acts=ACTS)
