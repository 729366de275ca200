"""Home Assistant's ``axis`` library (v60) reads the ports from ``root.IOPort`` and switches
outputs with ``GET /axis-cgi/io/port.cgi?action=<n>%3A%2F`` / ``%3A%5C`` (n = IOPort index + 1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from axis.models.parameters.io_port import PortDirection as AxisDirection

from ipcamd.events import PortChanged, PortDirection
from tests.http.test_axis_library import axis_device
from tests.io.helpers import stamped
from tests.support import Camera

pytestmark = pytest.mark.axislib


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as session:
        yield session


async def test_the_library_lists_the_ports_and_switches_an_output(
    camera: Camera, client: httpx.AsyncClient
) -> None:
    device = axis_device(camera, client)
    vapix = device.vapix
    await vapix.initialize()
    ports = vapix.ports
    assert sorted(ports.keys()) == ["0", "1", "2", "3"]
    assert [(ports[i].direction, ports[i].name) for i in ("0", "1", "2", "3")] == [
        (AxisDirection.IN, "Input 1"),
        (AxisDirection.IN, "Input 2"),
        (AxisDirection.OUT, "Output 1"),
        (AxisDirection.OUT, "Output 2"),
    ]
    assert ports["0"].input_trigger == "closed"
    assert ports["2"].output_active == "closed"
    with stamped(camera.device.bus, PortChanged) as record:
        await ports.close("2")  # action=3%3A%2F: active
        assert [e for e, _ in record.events] == [PortChanged(2, PortDirection.OUTPUT, True)]
        await ports.open("2")  # action=3%3A%5C: inactive
        assert [e for e, _ in record.events][1:] == [PortChanged(2, PortDirection.OUTPUT, False)]
        await ports.close("0")  # an input: the library itself sends nothing
        assert len(record.events) == 2
