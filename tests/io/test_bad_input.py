"""Bad input to the I/O CGIs: a clear error, and nothing changed (ports, sequences, the bus's
retained states, virtual inputs, parameters), under every prefix."""

from __future__ import annotations

import pytest

from ipcamd.events import PortChanged
from tests.io.helpers import io_state, stamped
from tests.spec.raw import PREFIXES, exchange
from tests.support import Camera


async def _prepared(camera: Camera) -> None:
    """Something running that a bad request must not stop: an output active, a long pulse on
    the other, an input set."""
    assert (await camera.get("/io/port.cgi?action=3:/")).status == 200
    assert (await camera.get("/io/port.cgi?action=4:/600000\\")).status == 200
    assert (await camera.get("/ipcamd/io/input.cgi?port=2&state=active")).status == 200


BAD = [
    # The list.
    ("io/port.cgi?action=1:/abc", 400, "Invalid character 'a' in action '1:/abc'"),
    ("io/output.cgi?action=1:/abc", 400, "Invalid character 'a'"),
    ("io/port.cgi?action=9:/", 404, "No I/O port 9 (this unit has ports 1 to 4)"),
    ("io/output.cgi?action=9:/", 404, "No output 9 (this unit has outputs 1 to 2)"),
    ("io/output.cgi?action=1:/300\\500/300", 400, "unbalanced"),
    ("io/output.cgi?action=1:/300", 400, "unbalanced"),
    ("io/output.cgi?action=1:", 400, "no action character"),
    ("io/output.cgi?action=1/", 400, "expected [<port>]:"),
    ("io/output.cgi?action=", 400, "expected [<port>]:"),
    ("io/port.cgi?check=5", 404, "No I/O port 5"),
    ("io/port.cgi?check=0", 404, "No I/O port 0"),
    ("io/input.cgi?check=3", 404, "No input 3 (this unit has inputs 1 to 2)"),
    ("io/output.cgi?checkactive=3", 404, "No output 3"),
    ("io/port.cgi?monitor=7", 404, "No I/O port 7"),
    ("io/input.cgi?monitor=1,3", 404, "No input 3"),
    ("io/output.cgi?monitor=0", 404, "No output 0"),
    # Malformed lists and arguments.
    ("io/port.cgi?check=abc", 400, "Invalid port 'abc' in check"),
    ("io/port.cgi?check=", 400, "Invalid port '' in check"),
    ("io/port.cgi?check=1,,2", 400, "Invalid port ''"),
    ("io/port.cgi?checkactive=1;2", 400, "Invalid port '1;2'"),
    ("io/port.cgi?monitor=x", 400, "Invalid port 'x' in monitor"),
    ("io/port.cgi", 400, "Nothing to do"),
    ("io/port.cgi?status=1", 400, "Unknown argument 'status'"),
    ("io/input.cgi?action=1:/", 400, "Unknown argument 'action'"),
    ("io/input.cgi?checkdirection=1", 400, "Unknown argument 'checkdirection'"),
    ("io/port.cgi?action=1:/", 400, "Port 1 is an input; action is valid for output ports only"),
    ("io/port.cgi?action=3:/&check=1", 400, "'action' cannot be combined"),
    ("io/port.cgi?monitor=1&check=1", 400, "'monitor' cannot be combined"),
    ("io/port.cgi?action=3:/&action=4:/", 400, "Argument 'action' given more than once"),
    ("io/port.cgi?check=%ff", 400, "Invalid percent-encoding"),
    # The script CGI.
    ("ipcamd/io/input.cgi?port=3&state=active", 400, "Port 3 is an output"),
    ("ipcamd/io/input.cgi?port=5&state=active", 404, "No I/O port 5"),
    ("ipcamd/io/input.cgi?port=1&state=on", 400, "Invalid state 'on'"),
    ("ipcamd/io/input.cgi?port=1&pulse=0", 400, "Invalid pulse '0'"),
    ("ipcamd/io/input.cgi?port=1&pulse=abc", 400, "Invalid pulse 'abc'"),
    ("ipcamd/io/input.cgi?port=1", 400, "exactly one of state, pulse or action"),
    ("ipcamd/io/input.cgi?port=1&state=active&pulse=5", 400, "exactly one of"),
    ("ipcamd/io/input.cgi?state=active", 400, "port argument is required"),
    ("ipcamd/io/input.cgi?port=1,2&state=active", 400, "One port at a time"),
    ("ipcamd/io/input.cgi?port=1&action=1:/", 400, "'action' cannot be combined"),
    ("ipcamd/io/input.cgi?action=3:/", 400, "Port 3 is an output"),
    ("ipcamd/io/input.cgi?action=1:/x", 400, "Invalid character 'x'"),
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("target", "status", "reason"), BAD, ids=[t for t, _, _ in BAD])
async def test_bad_input_is_refused_and_changes_nothing(
    camera: Camera, prefix: str, target: str, status: int, reason: str
) -> None:
    await _prepared(camera)
    before = await io_state(camera)
    with stamped(camera.device.bus, PortChanged) as record:
        reply = await exchange(camera.server.port, prefix + target)
        assert reply.status == status, reply.body
        assert reply.headers("Content-Type") == ["text/plain"]
        assert reason in reply.text
        assert reply.text.count("\n") == 1
        assert record.events == []
    assert await io_state(camera) == before


@pytest.mark.parametrize(
    "target",
    [
        "/io/port.cgi?action=3:/",
        "/io/port.cgi?action=3%3A%5C",
        "/io/output.cgi?action=1:/100\\",
        "/axis-cgi/io/port.cgi?action=4:/",
    ],
)
async def test_a_viewer_may_not_switch_outputs(camera: Camera, target: str) -> None:
    """Real devices document operator for switching outputs: a viewer is asked to log in as
    someone who may (401 with challenges, like every level this unit enforces)."""
    await camera.add_user("vic", "vicpw1", "axview")
    await _prepared(camera)
    before = await io_state(camera)
    reply = await camera.get(target, user="vic", password="vicpw1")
    assert reply.status == 401
    assert reply.headers.getall("WWW-Authenticate")
    assert await io_state(camera) == before


async def test_a_viewer_may_read_and_monitor(camera: Camera) -> None:
    await camera.add_user("vic", "vicpw1", "axview")
    reply = await camera.get("/io/port.cgi?check=1,3", user="vic", password="vicpw1")
    assert reply.text == "port1=0\r\nport3=0\r\n"
    reply = await camera.get("/io/output.cgi?checkactive=1", user="vic", password="vicpw1")
    assert reply.text == "output1=inactive\r\n"


async def test_a_viewer_may_not_script_inputs_or_virtual_inputs(camera: Camera) -> None:
    await camera.add_user("vic", "vicpw1", "axview")
    before = await io_state(camera)
    for target in (
        "/ipcamd/io/input.cgi?port=1&state=active",
        "/virtualinput/activate.cgi?schemaversion=1&port=1",
    ):
        reply = await camera.get(target, user="vic", password="vicpw1")
        assert reply.status == 401
    assert await io_state(camera) == before


async def test_an_operator_may_switch_outputs(camera: Camera) -> None:
    await camera.add_user("opal", "opalpw1", "axoper:axview")
    reply = await camera.get("/io/port.cgi?action=3:/", user="opal", password="opalpw1")
    assert reply.status == 200
    assert camera.device.io.active(camera.device.io.layout.by_number(3))
