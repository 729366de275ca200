"""Axis virtual inputs 1-32: ``virtualinput/activate.cgi`` and ``deactivate.cgi`` answer in
Axis's XML, publish ``VirtualInputChanged`` on the bus, and refuse bad input changing nothing."""

from __future__ import annotations

import asyncio
import re

import pytest

from ipcamd.events import VirtualInputChanged
from tests.io.helpers import io_state, stamped
from tests.spec.raw import PREFIXES, exchange
from tests.support import Camera

ENVELOPE = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<VirtualInputResponse xmlns="http://www.axis.com/vapix/http_cgi/virtualinput1" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" SchemaVersion="1.1" '
    b'xsi:schemaLocation="http://www.axis.com/vapix/http_cgi/virtualinput1 '
    b'http://www.axis.com/vapix/http_cgi/virtualinput1_0.xsd">\n'
)


def success(element: str, changed: bool) -> bytes:
    value = b"true" if changed else b"false"
    return (
        ENVELOPE
        + b"  <Success>\n"
        + f"    <{element}>\n".encode()
        + b"      <StateChanged>"
        + value
        + b"</StateChanged>\n"
        + f"    </{element}>\n".encode()
        + b"  </Success>\n</VirtualInputResponse>\n"
    )


def error_code(body: bytes) -> int:
    assert body.startswith(ENVELOPE), body
    match = re.search(rb"<ErrorCode>(\d+)</ErrorCode>", body)
    assert match is not None, body
    assert b"<ErrorDescription>" in body
    return int(match.group(1))


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_activate_and_deactivate_reach_the_bus(camera: Camera, prefix: str) -> None:
    port = camera.server.port
    with stamped(camera.device.bus, VirtualInputChanged) as record:
        reply = await exchange(port, f"{prefix}virtualinput/activate.cgi?schemaversion=1&port=10")
        assert reply.status_line == b"HTTP/1.0 200 OK"
        assert reply.headers("Content-Type") == ["text/xml"]
        assert reply.body == success("ActivateSuccess", True)
        reply = await exchange(port, f"{prefix}virtualinput/activate.cgi?schemaversion=1&port=10")
        assert reply.body == success("ActivateSuccess", False)  # already active: no event
        reply = await exchange(port, f"{prefix}virtualinput/deactivate.cgi?schemaversion=1&port=10")
        assert reply.body == success("DeactivateSuccess", True)
        reply = await exchange(port, f"{prefix}virtualinput/deactivate.cgi?schemaversion=1&port=10")
        assert reply.body == success("DeactivateSuccess", False)
        assert [e for e, _ in record.events] == [
            VirtualInputChanged(10, True),
            VirtualInputChanged(10, False),
        ]


async def test_every_input_has_a_retained_state_from_the_start(camera: Camera) -> None:
    with camera.device.bus.subscribe(VirtualInputChanged) as sub:
        assert sub.initial == tuple(VirtualInputChanged(n, False) for n in range(1, 33))
    await camera.get("/virtualinput/activate.cgi?schemaversion=1&port=32")
    with camera.device.bus.subscribe(VirtualInputChanged, keys=[32]) as sub:
        assert sub.initial == (VirtualInputChanged(32, True),)


async def test_a_duration_deactivates_later(camera: Camera) -> None:
    with stamped(camera.device.bus, VirtualInputChanged) as record:
        loop_time = asyncio.get_running_loop().time
        sent = loop_time()
        reply = await camera.get("/virtualinput/activate.cgi?schemaversion=1&port=3&duration=1")
        assert reply.body == success("ActivateSuccess", True)
        events = await record.wait_for(2)
    assert [e for e, _ in events] == [VirtualInputChanged(3, True), VirtualInputChanged(3, False)]
    assert events[1][1] - sent >= 1.0 - 0.002


async def test_duration_zero_activates_and_deactivates_at_once(camera: Camera) -> None:
    with stamped(camera.device.bus, VirtualInputChanged) as record:
        reply = await camera.get("/virtualinput/activate.cgi?schemaversion=1&port=4&duration=0")
        assert reply.body == success("ActivateSuccess", True)
        assert [e for e, _ in record.events] == [
            VirtualInputChanged(4, True),
            VirtualInputChanged(4, False),
        ]


async def test_a_later_request_replaces_a_pending_deactivation(camera: Camera) -> None:
    await camera.get("/virtualinput/activate.cgi?schemaversion=1&port=5&duration=1")
    await camera.get("/virtualinput/activate.cgi?schemaversion=1&port=5")  # no deadline now
    assert not camera.device.virtual_inputs._deadlines
    assert camera.device.virtual_inputs.active(5)


async def test_schema_versions(camera: Camera) -> None:
    reply = await exchange(camera.server.port, "/axis-cgi/virtualinput/getschemaversions.cgi")
    assert reply.headers("Content-Type") == ["text/xml"]
    assert reply.body == (
        ENVELOPE
        + b"  <Success>\n    <GetSchemaVersionsSuccess>\n      <SchemaVersion>\n"
        + b"        <MajorVersion>1</MajorVersion>\n        <MinorVersion>1</MinorVersion>\n"
        + b"      </SchemaVersion>\n    </GetSchemaVersionsSuccess>\n  </Success>\n"
        + b"</VirtualInputResponse>\n"
    )


BAD = [
    ("activate.cgi?schemaversion=1&port=0", 20),
    ("activate.cgi?schemaversion=1&port=33", 20),
    ("deactivate.cgi?schemaversion=1&port=33", 20),
    ("activate.cgi?schemaversion=1&port=abc", 20),
    ("activate.cgi?schemaversion=1&port=", 20),
    ("activate.cgi?schemaversion=1", 10),
    ("activate.cgi?port=1", 10),
    ("deactivate.cgi?port=1", 10),
    ("activate.cgi", 10),
    ("activate.cgi?schemaversion=2&port=1", 30),
    ("activate.cgi?schemaversion=1.0&port=1", 30),
    ("activate.cgi?schemaversion=1&port=1&duration=-1", 50),
    ("activate.cgi?schemaversion=1&port=1&duration=abc", 50),
    ("activate.cgi?schemaversion=1&port=1&duration=1.5", 50),
    ("activate.cgi?schemaversion=1&port=1&duration=99999999999", 50),
]


@pytest.mark.parametrize(("query", "code"), BAD, ids=[q for q, _ in BAD])
async def test_bad_requests_get_their_error_code_and_change_nothing(
    camera: Camera, query: str, code: int
) -> None:
    await camera.get("/virtualinput/activate.cgi?schemaversion=1&port=2")
    before = await io_state(camera)
    with stamped(camera.device.bus, VirtualInputChanged) as record:
        reply = await exchange(camera.server.port, f"/axis-cgi/virtualinput/{query}")
        assert reply.status_line == b"HTTP/1.0 200 OK"
        assert reply.headers("Content-Type") == ["text/xml"]
        assert error_code(reply.body) == code
        assert record.events == []
    assert await io_state(camera) == before


async def test_a_repeated_argument_is_a_plain_400(camera: Camera) -> None:
    reply = await exchange(
        camera.server.port, "/virtualinput/activate.cgi?schemaversion=1&port=1&port=2"
    )
    assert reply.status == 400
    assert reply.headers("Content-Type") == ["text/plain"]
    assert not camera.device.virtual_inputs.active(1)
