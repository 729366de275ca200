"""Port numbering (IOPort from 0, port.cgi from 1, input/output.cgi per direction) and circuits."""

from __future__ import annotations

import pytest

from ipcamd.errors import InvalidParameter, NotFound
from ipcamd.events import PortDirection
from ipcamd.io.ports import MAX_PORTS, Circuit, IOLayout, closed_for, is_active, parse_ids

IN, OUT = PortDirection.INPUT, PortDirection.OUTPUT


def test_inputs_come_first_and_each_direction_counts_from_one() -> None:
    layout = IOLayout(3, 2)
    assert [(p.index, p.number, p.direction, p.ordinal) for p in layout.ports] == [
        (0, 1, IN, 1),
        (1, 2, IN, 2),
        (2, 3, IN, 3),
        (3, 4, OUT, 1),
        (4, 5, OUT, 2),
    ]
    assert layout.by_number(4) is layout.by_ordinal(OUT, 1)
    assert layout.by_number(4).group == "IOPort.I3"
    assert layout.by_number(4).active_when == "IOPort.I3.Output.Active"
    assert layout.by_number(1).active_when == "IOPort.I0.Input.Trig"


@pytest.mark.parametrize("number", [0, 5, 99999])
def test_a_port_the_unit_does_not_have(number: int) -> None:
    with pytest.raises(NotFound, match=f"No I/O port {number}"):
        IOLayout(2, 2).by_number(number)


def test_a_missing_input_or_output() -> None:
    with pytest.raises(NotFound, match="No output 3"):
        IOLayout(2, 2).by_ordinal(OUT, 3)
    with pytest.raises(NotFound, match="has no outputs"):
        IOLayout(1, 0).by_ordinal(OUT, 1)


@pytest.mark.parametrize(("inputs", "outputs"), [(-1, 2), (2, MAX_PORTS + 1)])
def test_counts_are_bounded(inputs: int, outputs: int) -> None:
    with pytest.raises(InvalidParameter, match="must be 0 to"):
        IOLayout(inputs, outputs)


def test_logical_state_follows_the_configured_active_circuit() -> None:
    assert is_active(True, Circuit.CLOSED) is True
    assert is_active(False, Circuit.CLOSED) is False
    assert is_active(True, Circuit.OPEN) is False
    assert is_active(False, Circuit.OPEN) is True
    for active in (True, False):
        for when in Circuit:
            assert is_active(closed_for(active, when), when) is active


def test_port_lists() -> None:
    assert parse_ids("check", "1") == [1]
    assert parse_ids("check", "3,1,3") == [3, 1]
    for bad in ("", "1,", ",1", "a", "1;2", " 1", "-1", "1.0", "123456"):
        with pytest.raises(InvalidParameter, match="Invalid port"):
            parse_ids("check", bad)
