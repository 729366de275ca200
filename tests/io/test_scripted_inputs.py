"""A scripted input (``ipcamd/io/input.cgi``) reaches ``check``, ``monitor`` and a bus
subscriber; ``Input.Trig`` decides which circuit is active; monitors show each change once."""

from __future__ import annotations

import asyncio

import pytest

from ipcamd.events import PortChanged, PortDirection
from ipcamd.http import io_monitor
from tests.io.helpers import BOUNDARY, read_part, stamped
from tests.spec.raw import open_raw
from tests.support import Camera, assert_text

IN, OUT = PortDirection.INPUT, PortDirection.OUTPUT


async def test_a_scripted_input_reaches_check_monitor_and_the_bus(camera: Camera) -> None:
    port = camera.server.port
    with camera.device.bus.subscribe(PortChanged, keys=[0]) as sub:
        assert sub.initial == (PortChanged(0, IN, False),)
        async with open_raw(port, "/io/port.cgi?monitor=1") as (_, reader):
            assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
            assert await read_part(reader) == [b"IO0:L"]
            reply = await camera.get("/axis-cgi/ipcamd/io/input.cgi?port=1&state=active")
            assert_text(reply, "OK\r\n")
            assert await asyncio.wait_for(sub.get(), 10) == PortChanged(0, IN, True)
            assert await read_part(reader) == [b"IO0:/"]
            assert_text(await camera.get("/io/port.cgi?check=1"), "port1=1\r\n")
            assert_text(await camera.get("/io/port.cgi?checkactive=1"), "port1=active\r\n")


async def test_a_pulse_is_active_for_at_least_its_length(camera: Camera) -> None:
    with stamped(camera.device.bus, PortChanged) as record:
        reply = await camera.get("/ipcamd/io/input.cgi?port=2&pulse=200")
        assert_text(reply, "OK\r\n")
        events = await record.wait_for(2)
    assert [e for e, _ in events] == [PortChanged(1, IN, True), PortChanged(1, IN, False)]
    assert events[1][1] - events[0][1] >= 0.2


async def test_an_action_sequence_drives_an_input(camera: Camera) -> None:
    with stamped(camera.device.bus, PortChanged) as record:
        reply = await camera.get("/ipcamd/io/input.cgi?action=2:/20\\20/")
        assert_text(reply, "OK\r\n")
        events = await record.wait_for(3)
    assert [e.active for e, _ in events] == [True, False, True]  # type: ignore[attr-defined]


async def test_trig_open_makes_an_open_circuit_active(camera: Camera) -> None:
    with stamped(camera.device.bus, PortChanged) as record:
        reply = await camera.get("/param.cgi?action=update&IOPort.I0.Input.Trig=open")
        assert_text(reply, "OK\r\n")
        # The circuit is still open: the input is now active.
        assert [e for e, _ in record.events] == [PortChanged(0, IN, True)]
    assert_text(
        await camera.get("/io/port.cgi?check=1&checkactive=1"), "port1=0\r\nport1=active\r\n"
    )
    # "active" now means an open circuit.
    await camera.get("/ipcamd/io/input.cgi?port=1&state=inactive")
    assert_text(await camera.get("/io/port.cgi?check=1"), "port1=1\r\n")


async def test_output_active_open_keeps_the_output_inactive(camera: Camera) -> None:
    with stamped(camera.device.bus, PortChanged) as record:
        reply = await camera.get("/param.cgi?action=update&IOPort.I2.Output.Active=open")
        assert_text(reply, "OK\r\n")
        assert record.events == []
    assert_text(
        await camera.get("/io/port.cgi?check=3&checkactive=3"), "port3=1\r\nport3=inactive\r\n"
    )
    await camera.get("/io/port.cgi?action=3:/")
    assert_text(
        await camera.get("/io/port.cgi?check=3&checkactive=3"), "port3=0\r\nport3=active\r\n"
    )


async def test_each_change_once_with_several_watchers(camera: Camera) -> None:
    """Two monitors and a bus subscriber see every change of a quick sequence exactly once."""
    port = camera.server.port
    with stamped(camera.device.bus, PortChanged) as record:
        async with (
            open_raw(port, "/io/port.cgi?monitor=1,3") as (_, first),
            open_raw(port, "/io/port.cgi?monitor=3") as (_, second),
        ):
            for reader in (first, second):
                assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
            assert await read_part(first) == [b"IO0:L", b"IO2:L"]
            assert await read_part(second) == [b"IO2:L"]
            await camera.get("/io/output.cgi?action=1:/\\/\\")  # four changes at once
            await camera.get("/ipcamd/io/input.cgi?port=1&state=active")
            await camera.get("/io/output.cgi?action=1:/")
            want_first = [
                [b"IO0:L", b"IO2:/"],
                [b"IO0:L", b"IO2:\\"],
                [b"IO0:L", b"IO2:/"],
                [b"IO0:L", b"IO2:\\"],
                [b"IO0:/", b"IO2:L"],
                [b"IO0:H", b"IO2:/"],
            ]
            assert [await read_part(first) for _ in want_first] == want_first
            want_second = [[b"IO2:/"], [b"IO2:\\"], [b"IO2:/"], [b"IO2:\\"], [b"IO2:/"]]
            assert [await read_part(second) for _ in want_second] == want_second
    assert len(record.events) == 6


async def test_an_idle_stream_sends_empty_parts(
    camera: Camera, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(io_monitor, "KEEPALIVE_SECONDS", 0.05)
    async with open_raw(camera.server.port, "/io/input.cgi?monitor=2") as (_, reader):
        assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
        assert await read_part(reader) == [b"IO1:L"]
        assert await read_part(reader) == []
        assert await read_part(reader) == []


async def test_a_slow_reader_resynchronises(
    camera: Camera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its queue a stream loses changes; its next part shows where the ports are now."""
    monkeypatch.setattr(io_monitor, "QUEUE", 2)
    async with open_raw(camera.server.port, "/io/port.cgi?monitor=3") as (_, reader):
        assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
        assert await read_part(reader) == [b"IO2:L"]
        # Five changes published in one go, before the stream's task can run again.
        camera.device.io.act(camera.device.io.layout.by_number(3), _steps("1:/\\/\\/"))
        parts = [await read_part(reader)]
        while parts[-1] != [b"IO2:/"] and parts[-1] != [b"IO2:H"]:
            parts.append(await read_part(reader))
        assert parts[0] == [b"IO2:/"]  # the resynchronisation: now active, which it was not


def _steps(text: str) -> tuple[object, ...]:
    from ipcamd.io.actions import parse_action

    return parse_action(text).steps


async def test_a_stream_ends_when_the_unit_stops(camera: Camera) -> None:
    async with open_raw(camera.server.port, "/io/port.cgi?monitor=1") as (_, reader):
        assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
        await read_part(reader)
        await camera.server.stop()
        assert await asyncio.wait_for(reader.read(), 10) == b""
