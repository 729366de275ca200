"""The unit's I/O ports as values: which ports exist, how the CGIs number them, and how a
circuit (closed or open) maps to a logical state (active or inactive).

Numbering (see docs/io.md): ``IOPort.I<n>`` counts from 0; ``io/port.cgi`` numbers the same
ports from 1 (port ``n`` is ``IOPort.I<n-1>``, as real devices and the ``axis`` library count);
``io/input.cgi`` and ``io/output.cgi`` number inputs and outputs separately from 1. Inputs come
first: with two inputs and two outputs, ``IOPort.I0`` and ``I1`` are inputs 1 and 2 (ports 1 and
2), ``IOPort.I2`` and ``I3`` are outputs 1 and 2 (ports 3 and 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from ipcamd.errors import InvalidParameter, NotFound
from ipcamd.events import PortDirection

#: Most inputs, and most outputs, a unit may be configured with.
MAX_PORTS = 16
_ID = re.compile(r"[0-9]{1,5}")


class Circuit(StrEnum):
    """A port's electrical state, and the values of ``Input.Trig`` and ``Output.Active``."""

    CLOSED = "closed"
    OPEN = "open"


def is_active(closed: bool, active_when: Circuit) -> bool:
    """The logical state of a circuit: active when it is in the state ``active_when`` names.

    >>> is_active(True, Circuit.CLOSED), is_active(True, Circuit.OPEN)
    (True, False)
    """
    return closed == (active_when is Circuit.CLOSED)


def closed_for(active: bool, active_when: Circuit) -> bool:
    """The circuit that gives logical state ``active`` (the inverse of :func:`is_active`)."""
    return active == (active_when is Circuit.CLOSED)


@dataclass(frozen=True)
class Port:
    """One I/O port: its place in ``IOPort`` and in its direction's own numbering."""

    #: ``n`` of ``IOPort.I<n>`` (0-based); what :class:`~ipcamd.events.PortChanged` carries.
    index: int
    direction: PortDirection
    #: 1-based among the ports of its direction (``input.cgi``/``output.cgi`` numbering).
    ordinal: int

    @property
    def number(self) -> int:
        """The port's number in ``io/port.cgi`` (1-based)."""
        return self.index + 1

    @property
    def is_input(self) -> bool:
        """True for an input port."""
        return self.direction is PortDirection.INPUT

    @property
    def group(self) -> str:
        """Its parameter group, ``IOPort.I<n>``."""
        return f"IOPort.I{self.index}"

    @property
    def active_when(self) -> str:
        """The parameter that says which circuit is active: ``Input.Trig`` or ``Output.Active``."""
        return f"{self.group}.Input.Trig" if self.is_input else f"{self.group}.Output.Active"


@dataclass(frozen=True)
class IOLayout:
    """How many inputs and outputs the unit has (inputs first in ``IOPort``)."""

    inputs: int = 2
    outputs: int = 2

    def __post_init__(self) -> None:
        for name, count in (("inputs", self.inputs), ("outputs", self.outputs)):
            if not 0 <= count <= MAX_PORTS:
                raise InvalidParameter(f"I/O {name} must be 0 to {MAX_PORTS}, not {count}")

    @cached_property
    def ports(self) -> tuple[Port, ...]:
        """Every port in ``IOPort`` order."""
        inputs = [Port(i, PortDirection.INPUT, i + 1) for i in range(self.inputs)]
        outputs = [Port(self.inputs + i, PortDirection.OUTPUT, i + 1) for i in range(self.outputs)]
        return (*inputs, *outputs)

    def of(self, direction: PortDirection) -> tuple[Port, ...]:
        """The ports of one direction, in order."""
        return tuple(p for p in self.ports if p.direction is direction)

    def by_number(self, number: int) -> Port:
        """Port ``number`` as ``io/port.cgi`` counts (1-based); :class:`NotFound` if none."""
        if not 1 <= number <= len(self.ports):
            raise NotFound(f"No I/O port {number} (this unit has ports 1 to {len(self.ports)})")
        return self.ports[number - 1]

    def by_ordinal(self, direction: PortDirection, ordinal: int) -> Port:
        """Input or output ``ordinal`` as ``input.cgi``/``output.cgi`` count (1-based)."""
        ports = self.of(direction)
        if not 1 <= ordinal <= len(ports):
            have = f"{direction.value}s 1 to {len(ports)}" if ports else f"no {direction.value}s"
            raise NotFound(f"No {direction.value} {ordinal} (this unit has {have})")
        return ports[ordinal - 1]


def parse_ids(argument: str, value: str) -> list[int]:
    """``"1,2,3"`` → ``[1, 2, 3]`` (each once, in order); :class:`InvalidParameter` otherwise.

    >>> parse_ids("check", "2,1,2")
    [2, 1]
    """
    ids: list[int] = []
    for item in value.split(","):
        if not _ID.fullmatch(item):
            raise InvalidParameter(f"Invalid port '{item}' in {argument} (port numbers, e.g. 1,2)")
        number = int(item)
        if number not in ids:
            ids.append(number)
    return ids
