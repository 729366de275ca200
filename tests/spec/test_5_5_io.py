"""Spec 5.5 (I/O) over a raw socket, under every prefix: every example, byte for byte.

The unit used has four inputs and two outputs where an example needs them (``monitor=1,2,3,4``);
ports are numbered as docs/io.md says (port.cgi from 1 over every port, input.cgi and
output.cgi per direction, ``IO<n>`` in monitor data is ``IOPort.I<n>``).
"""

from __future__ import annotations

import pytest

from ipcamd.events import PortChanged, PortDirection
from tests.conftest import CameraFactory
from tests.io.helpers import BOUNDARY, io_state, read_part, stamped
from tests.spec.raw import PREFIXES, TEXT_PLAIN, VERSIONS, assert_text, exchange, open_raw
from tests.support import Camera

IN, OUT = PortDirection.INPUT, PortDirection.OUTPUT
MONITOR = "multipart/x-mixed-replace;boundary=ioboundary"
#: Seconds of slack for the loop clock's granularity when checking that a step was not early.
CLOCK = 0.002


@pytest.fixture
async def unit(camera_factory: CameraFactory) -> Camera:
    """Four inputs (IOPort.I0-I3) and two outputs (IOPort.I4, I5)."""
    camera: Camera = await camera_factory(io_inputs=4, io_outputs=2)
    return camera


async def script(camera: Camera, query: str) -> None:
    reply = await camera.get(f"/ipcamd/io/input.cgi?{query}")
    assert reply.text == "OK\r\n", reply.text


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("version", VERSIONS)
async def test_check_checkactive_checkdirection(unit: Camera, prefix: str, version: str) -> None:
    port = unit.server.port
    await script(unit, "port=2&state=active")
    reply = await exchange(port, f"{prefix}io/port.cgi?check=1,2,5", version=version)
    assert_text(reply, b"port1=0\r\nport2=1\r\nport5=0\r\n", version)
    reply = await exchange(port, f"{prefix}io/port.cgi?checkactive=2,5", version=version)
    assert_text(reply, b"port2=active\r\nport5=inactive\r\n", version)
    reply = await exchange(port, f"{prefix}io/port.cgi?checkdirection=1,5,6", version=version)
    assert_text(reply, b"port1=input\r\nport5=output\r\nport6=output\r\n", version)
    reply = await exchange(port, f"{prefix}io/input.cgi?check=1,2", version=version)
    assert_text(reply, b"input1=0\r\ninput2=1\r\n", version)
    reply = await exchange(port, f"{prefix}io/input.cgi?checkactive=2", version=version)
    assert_text(reply, b"input2=active\r\n", version)
    reply = await exchange(port, f"{prefix}io/output.cgi?check=1,2", version=version)
    assert_text(reply, b"output1=0\r\noutput2=0\r\n", version)
    reply = await exchange(port, f"{prefix}io/output.cgi?checkactive=1", version=version)
    assert_text(reply, b"output1=inactive\r\n", version)


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_example_set_output_1_active(unit: Camera, prefix: str) -> None:
    """``http://myserver/io/output.cgi?action=1:/``"""
    with stamped(unit.device.bus, PortChanged) as record:
        reply = await exchange(unit.server.port, f"{prefix}io/output.cgi?action=1:/")
        assert_text(reply, b"")
        assert [e for e, _ in record.events] == [PortChanged(4, OUT, True)]
    reply = await exchange(unit.server.port, f"{prefix}io/output.cgi?checkactive=1")
    assert_text(reply, b"output1=active\r\n")
    reply = await exchange(unit.server.port, f"{prefix}io/port.cgi?check=5")
    assert_text(reply, b"port5=1\r\n")  # Output.Active=closed: active is a closed circuit


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("encoded", [False, True])
async def test_example_two_300_ms_pulses_500_ms_apart(
    unit: Camera, prefix: str, encoded: bool
) -> None:
    """``http://myserver/io/output.cgi?action=1:/300\\500/300\\`` (also percent-encoded)."""
    action = "1%3A%2F300%5C500%2F300%5C" if encoded else "1:/300\\500/300\\"
    with stamped(unit.device.bus, PortChanged) as record:
        reply = await exchange(unit.server.port, f"{prefix}io/output.cgi?action={action}")
        assert_text(reply, b"")
        events = await record.wait_for(4)
    assert [e for e, _ in events] == [
        PortChanged(4, OUT, True),
        PortChanged(4, OUT, False),
        PortChanged(4, OUT, True),
        PortChanged(4, OUT, False),
    ]
    times = [t for _, t in events]
    for (start, end), at_least in zip(
        [(0, 1), (1, 2), (2, 3), (0, 3)], (0.3, 0.5, 0.3, 1.1), strict=True
    ):
        assert times[end] - times[start] >= at_least - CLOCK


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_example_wait_one_second_then_set_output_1_active(unit: Camera, prefix: str) -> None:
    """``http://myserver/io/output.cgi?action=1:1000/``: the reply comes at once."""
    loop_time = __import__("asyncio").get_running_loop().time
    with stamped(unit.device.bus, PortChanged) as record:
        sent = loop_time()
        reply = await exchange(unit.server.port, f"{prefix}io/output.cgi?action=1:1000/")
        assert_text(reply, b"")
        reply = await exchange(unit.server.port, f"{prefix}io/output.cgi?checkactive=1")
        if not record.events:  # still waiting (the machine may be slow enough that it is not)
            assert_text(reply, b"output1=inactive\r\n")
        ((event, when),) = await record.wait_for(1)
    assert event == PortChanged(4, OUT, True)
    assert when - sent >= 1.0 - CLOCK


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_example_monitor_input_ports_1_2_3_4(unit: Camera, prefix: str) -> None:
    """``http://myserver/io/input.cgi?monitor=1,2,3,4``: a part per change, each change once."""
    async with open_raw(unit.server.port, f"{prefix}io/input.cgi?monitor=1,2,3,4") as (
        head,
        reader,
    ):
        assert head.status_line == b"HTTP/1.0 200 OK"
        assert head.headers("Content-Type") == [MONITOR]
        assert head.header("Content-Length") is None
        assert head.header("Transfer-Encoding") is None
        assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
        assert await read_part(reader) == [b"IO0:L", b"IO1:L", b"IO2:L", b"IO3:L"]
        await script(unit, "port=1&state=active")
        assert await read_part(reader) == [b"IO0:/", b"IO1:L", b"IO2:L", b"IO3:L"]
        await script(unit, "port=1&state=active")  # no change: no part
        await script(unit, "port=3&state=active")
        assert await read_part(reader) == [b"IO0:H", b"IO1:L", b"IO2:/", b"IO3:L"]
        await script(unit, "port=1&state=inactive")
        assert await read_part(reader) == [b"IO0:\\", b"IO1:L", b"IO2:H", b"IO3:L"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_example_monitor_data_on_input_port_1(unit: Camera, prefix: str) -> None:
    """``monitor=1`` reports ``IO0`` (the spec's example): ``/`` then ``\\`` on a pulse."""
    async with open_raw(unit.server.port, f"{prefix}io/input.cgi?monitor=1") as (head, reader):
        assert head.headers("Content-Type") == [MONITOR]
        assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
        assert await read_part(reader) == [b"IO0:L"]
        await script(unit, "port=1&pulse=50")
        assert await read_part(reader) == [b"IO0:/"]
        assert await read_part(reader) == [b"IO0:\\"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_port_and_output_monitors_report_outputs(unit: Camera, prefix: str) -> None:
    for target in (f"{prefix}io/port.cgi?monitor=5,1", f"{prefix}io/output.cgi?monitor=1"):
        async with open_raw(unit.server.port, target) as (head, reader):
            assert head.headers("Content-Type") == [MONITOR]
            assert await reader.readexactly(len(BOUNDARY)) == BOUNDARY
            first = await read_part(reader)
            assert first[0] == b"IO4:L"
            await exchange(unit.server.port, "/io/output.cgi?action=1:/")
            assert (await read_part(reader))[0] == b"IO4:/"
            await exchange(unit.server.port, "/io/output.cgi?action=1:\\")
            assert (await read_part(reader))[0] == b"IO4:\\"


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    "target",
    [
        "io/port.cgi?action=3:/",
        "io/port.cgi?action=3%3A%2F300%5C",
        "io/output.cgi?action=1:/300\\500/300\\",
        "io/output.cgi?action=1:1000/",
        "ipcamd/io/input.cgi?port=1&state=active",
        "ipcamd/io/input.cgi?port=1&pulse=100",
        "virtualinput/activate.cgi?schemaversion=1&port=1",
        "virtualinput/deactivate.cgi?schemaversion=1&port=1",
    ],
)
async def test_head_of_an_acting_request_is_405_and_changes_nothing(
    camera: Camera, prefix: str, target: str
) -> None:
    await camera.get("/virtualinput/activate.cgi?schemaversion=1&port=1")  # something to undo
    before = await io_state(camera)
    reply = await exchange(camera.server.port, prefix + target, method="HEAD")
    assert reply.status_line == b"HTTP/1.0 405 Method Not Allowed"
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    allow = (reply.header("Allow") or "").split(",")
    assert "GET" in allow
    assert "HEAD" not in allow
    assert await io_state(camera) == before


async def test_head_of_a_monitor_is_its_head_without_a_body(camera: Camera) -> None:
    reply = await exchange(camera.server.port, "/io/port.cgi?monitor=1", method="HEAD")
    assert reply.status_line == b"HTTP/1.0 200 OK"
    assert reply.headers("Content-Type") == [MONITOR]
    assert reply.body == b""
