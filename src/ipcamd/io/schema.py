"""The I/O family's parameters: the four ports of ``IOPort`` (two inputs, two outputs: names,
trigger and active states), the port counts of ``Input`` and ``Output``, and its ``Properties``
lines."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.params.schema import ParamSpec, SchemaPart, fixed, param
from ipcamd.params.types import NAME, Choice, Integer

V, OP = AccessLevel.VIEWER, AccessLevel.OPERATOR

#: ``IOPort.I<n>.Direction`` of each port, in order.
DIRECTIONS = ("input", "input", "output", "output")
CLOSED_OPEN = Choice(("closed", "open"))


def _properties() -> list[ParamSpec]:
    """How many inputs and outputs a client can use: none until ``io/*.cgi`` and port events
    serve them (the ports above are their stored configuration). The I/O issue counts them."""
    return [fixed("IO.Input", "0"), fixed("IO.Output", "0")]


def _io_port() -> list[ParamSpec]:
    specs: list[ParamSpec] = []
    for i, direction in enumerate(DIRECTIONS):
        specs += [
            fixed(f"I{i}.Configurable", "no"),
            fixed(f"I{i}.Direction", direction),
        ]
        if direction == "input":
            specs += [
                param(f"I{i}.Input.Name", NAME, f"Input {i + 1}", V, OP),
                param(f"I{i}.Input.Trig", CLOSED_OPEN, "closed", V, OP),
            ]
        else:
            specs += [
                param(f"I{i}.Output.Name", NAME, f"Output {i - 1}", V, OP),
                param(f"I{i}.Output.Active", CLOSED_OPEN, "closed", V, OP),
                param(f"I{i}.Output.Button", Choice(("none", "pulse", "actinact")), "none", V, OP),
                param(f"I{i}.Output.PulseTime", Integer(0, 65535), "0", V, OP),
            ]
    return specs


def schema_part() -> SchemaPart:
    """``IOPort``, ``Input``, ``Output`` and the I/O Properties lines."""
    inputs = str(DIRECTIONS.count("input"))
    outputs = str(DIRECTIONS.count("output"))
    return SchemaPart(
        groups={
            "IOPort": _io_port(),
            "Input": [fixed("NbrOfInputs", inputs)],
            "Output": [fixed("NbrOfOutputs", outputs)],
        },
        properties=_properties(),
    )
