"""The I/O family's parameters: one ``IOPort.I<n>`` group per port (inputs first), the port
counts of ``Input`` and ``Output``, and its ``Properties`` lines.

The shapes are those real devices list (the ``axis`` library's fixtures of an AXIS M1065-LW and
Axis's I/O port documentation): an input has ``Configurable``, ``Direction``, ``Input.Name`` and
``Input.Trig``; an output ``Configurable``, ``Direction``, ``Output.Name``, ``Output.Active``,
``Output.Button`` and ``Output.PulseTime``. Directions are fixed by the unit's configuration
(``Configurable=no``).
"""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.identity import Identity
from ipcamd.io.ports import IOLayout
from ipcamd.params.schema import ParamSpec, SchemaPart, fixed, param
from ipcamd.params.types import NAME, Choice, Integer

V, OP = AccessLevel.VIEWER, AccessLevel.OPERATOR

CLOSED_OPEN = Choice(("closed", "open"))


def layout_of(identity: Identity) -> IOLayout:
    """The unit's ports."""
    return IOLayout(identity.io_inputs, identity.io_outputs)


def _properties(layout: IOLayout) -> list[ParamSpec]:
    """How many inputs and outputs a client can read, monitor and switch (``io/*.cgi``), and
    that ``virtualinput/*.cgi`` serves virtual inputs."""
    return [
        fixed("IO.Input", str(layout.inputs)),
        fixed("IO.Output", str(layout.outputs)),
        fixed("VirtualInput.VirtualInput", "yes"),
    ]


def _io_port(layout: IOLayout) -> list[ParamSpec]:
    specs: list[ParamSpec] = []
    for port in layout.ports:
        i = port.index
        specs += [
            fixed(f"I{i}.Configurable", "no"),
            fixed(f"I{i}.Direction", port.direction.value),
        ]
        if port.is_input:
            specs += [
                param(f"I{i}.Input.Name", NAME, f"Input {port.ordinal}", V, OP),
                param(f"I{i}.Input.Trig", CLOSED_OPEN, "closed", V, OP),
            ]
        else:
            specs += [
                param(f"I{i}.Output.Name", NAME, f"Output {port.ordinal}", V, OP),
                param(f"I{i}.Output.Active", CLOSED_OPEN, "closed", V, OP),
                param(f"I{i}.Output.Button", Choice(("none", "pulse", "actinact")), "none", V, OP),
                param(f"I{i}.Output.PulseTime", Integer(0, 65535), "0", V, OP),
            ]
    return specs


def schema_part(identity: Identity) -> SchemaPart:
    """``IOPort``, ``Input``, ``Output`` and the I/O Properties lines for the unit's ports."""
    layout = layout_of(identity)
    return SchemaPart(
        groups={
            "IOPort": _io_port(layout),
            "Input": [fixed("NbrOfInputs", str(layout.inputs))],
            "Output": [fixed("NbrOfOutputs", str(layout.outputs))],
        },
        properties=_properties(layout),
    )
