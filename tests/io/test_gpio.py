"""The GPIO backend: its configuration, and a whole unit on a fake chip (tests/io/gpio_fake.py).

What is tested without hardware: parsing and checking every ``gpio_*`` key; the lines requested
(chip path, consumer, direction, both-edge detection, bias, active-low, debounce, the outputs'
initial inactive values); input edges read from the request's fd by the event loop reaching
``port.cgi`` and the bus, each once; outputs driven by ``port.cgi`` actions; ``Output.Active``
re-driving a line; the script CGI refusing to set hardware inputs (409); release at stop; a
clear error without the ``gpiod`` package. Not tested: a real chip (no CI machine has one, and
the kernel's gpio-sim module cannot be loaded there).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

import pytest
from gpiod.line import Bias, Direction, Edge, Value

from ipcamd.config import build_config
from ipcamd.errors import InvalidParameter, Unavailable
from ipcamd.events import PortChanged, PortDirection
from ipcamd.io import gpio
from ipcamd.io.gpio import GpioBackend, GpioSettings, load_gpiod
from ipcamd.io.ports import IOLayout
from ipcamd.io.setup import build_backend, io_layout
from tests.conftest import CameraFactory
from tests.io.gpio_fake import FakeChip
from tests.support import Camera, assert_text

IN, OUT = PortDirection.INPUT, PortDirection.OUTPUT
GPIO = {
    "io_backend": "gpio",
    "gpio_chip": "/dev/gpiochip3",
    "gpio_input_lines": [17, 27],
    "gpio_output_lines": [22],
    "gpio_bias": "pull-up",
    "gpio_active_low": True,
    "gpio_debounce_ms": 10,
}


def test_settings_from_the_configuration() -> None:
    config = build_config(GPIO, {})
    assert io_layout(config) == IOLayout(2, 1)
    backend = build_backend(config)
    assert isinstance(backend, GpioBackend)
    assert backend.settings == GpioSettings(
        "/dev/gpiochip3", (17, 27), (22,), True, gpio.Bias.PULL_UP, 10
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"gpio_chip": "gpiochip0"}, "device path"),
        ({"gpio_chip": ""}, "device path"),
        ({"gpio_input_lines": [17, 17]}, "lists line 17 twice"),
        ({"gpio_input_lines": [-1]}, "line offsets 0 to"),
        ({"gpio_input_lines": [5000]}, "line offsets 0 to"),
        ({"gpio_output_lines": [True]}, "line offsets 0 to"),
        ({"gpio_output_lines": [17]}, "both an input and an output"),
        ({"gpio_bias": "pullup"}, "gpio_bias must be one of"),
        ({"gpio_debounce_ms": 5000}, "gpio_debounce_ms must be"),
        ({"gpio_debounce_ms": -1}, "gpio_debounce_ms must be"),
        ({"io_inputs": 3}, "io_inputs = 3 disagrees"),
        ({"io_outputs": 0}, "io_outputs = 0 disagrees"),
        ({"io_backend": "serial"}, "io_backend must be virtual or gpio"),
        ({"gpio_input_lines": list(range(17))}, "I/O inputs must be 0 to 16"),
    ],
)
def test_bad_gpio_configuration_is_refused(values: dict[str, object], reason: str) -> None:
    config = build_config({**GPIO, **values}, {})
    with pytest.raises(InvalidParameter, match=reason):
        io_layout(config)  # checks every key before the unit opens


def test_a_missing_gpiod_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gpiod", None)
    with pytest.raises(Unavailable, match=r"pip install 'ipcamd\[gpio\]'"):
        load_gpiod()


async def test_lines_are_requested_as_configured() -> None:
    chip = FakeChip()
    settings = build_backend(build_config(GPIO, {}))
    assert isinstance(settings, GpioBackend)
    backend = GpioBackend(settings.settings, chip.module)
    changes: list[tuple[int, bool]] = []
    await backend.start({2: False}, lambda index, closed: changes.append((index, closed)))
    request = chip.request
    assert request.path == "/dev/gpiochip3"
    assert request.consumer == "ipcamd"
    inputs = request.settings(17)
    assert request.settings(27) is inputs
    assert inputs.direction is Direction.INPUT
    assert inputs.edge_detection is Edge.BOTH
    assert inputs.bias is Bias.PULL_UP
    assert inputs.active_low is True
    assert inputs.debounce_period == timedelta(milliseconds=10)
    output = request.settings(22)
    assert output.direction is Direction.OUTPUT
    assert output.active_low is True
    assert request.output_values == {22: Value.INACTIVE}
    backend.drive(2, True)
    assert request.writes == [(22, Value.ACTIVE)]
    assert backend.closed(2) is True
    await backend.stop()
    assert request.released
    assert changes == []


@pytest.fixture
async def gpio_camera(
    camera_factory: CameraFactory, monkeypatch: pytest.MonkeyPatch
) -> tuple[Camera, FakeChip]:
    chip = FakeChip()
    monkeypatch.setattr(gpio, "load_gpiod", lambda: chip.module)
    camera: Camera = await camera_factory(**GPIO)
    return camera, chip


async def next_event(sub: object) -> object:
    return await asyncio.wait_for(sub.get(), 10)  # type: ignore[attr-defined]


async def test_an_input_edge_reaches_check_and_the_bus_once(
    gpio_camera: tuple[Camera, FakeChip],
) -> None:
    camera, chip = gpio_camera
    assert_text(
        await camera.get("/axis-cgi/io/port.cgi?check=1,2,3"), "port1=0\r\nport2=0\r\nport3=0\r\n"
    )
    with camera.device.bus.subscribe(PortChanged) as sub:
        chip.request.edge(27, True)
        assert await next_event(sub) == PortChanged(1, IN, True)
        chip.request.edge(27, True)  # no change: a repeated edge is not a second event
        chip.request.edge(27, False)
        assert await next_event(sub) == PortChanged(1, IN, False)
        chip.request.edge(17, True)
        assert await next_event(sub) == PortChanged(0, IN, True)
        assert sub.get_nowait() is None
    assert_text(await camera.get("/axis-cgi/io/input.cgi?check=1,2"), "input1=1\r\ninput2=0\r\n")
    assert_text(
        await camera.get("/axis-cgi/io/input.cgi?checkactive=1,2"),
        "input1=active\r\ninput2=inactive\r\n",
    )


async def test_output_actions_drive_the_line(gpio_camera: tuple[Camera, FakeChip]) -> None:
    camera, chip = gpio_camera
    request = chip.request
    assert request.output_values == {22: Value.INACTIVE}
    with camera.device.bus.subscribe(PortChanged, keys=[2]) as sub:
        assert (await camera.get("/axis-cgi/io/port.cgi?action=3%3A%2F")).status == 200
        assert request.values[22] is Value.ACTIVE
        assert await next_event(sub) == PortChanged(2, OUT, True)
        assert (await camera.get("/axis-cgi/io/output.cgi?action=1:/20%5C")).status == 200
        assert await next_event(sub) == PortChanged(2, OUT, False)
    assert request.writes == [(22, Value.ACTIVE), (22, Value.ACTIVE), (22, Value.INACTIVE)]
    # Output.Active=open: the inactive output's circuit becomes the closed one.
    reply = await camera.get("/axis-cgi/param.cgi?action=update&IOPort.I2.Output.Active=open")
    assert_text(reply, "OK\r\n")
    assert request.values[22] is Value.ACTIVE
    assert_text(await camera.get("/axis-cgi/io/port.cgi?checkactive=3"), "port3=inactive\r\n")


async def test_hardware_inputs_cannot_be_scripted(gpio_camera: tuple[Camera, FakeChip]) -> None:
    camera, chip = gpio_camera
    reply = await camera.get("/axis-cgi/ipcamd/io/input.cgi?port=1&state=active")
    assert reply.status == 409
    assert "read from hardware" in reply.text
    assert chip.request.values[17] is Value.INACTIVE
    assert_text(await camera.get("/axis-cgi/io/port.cgi?checkactive=1"), "port1=inactive\r\n")


async def test_the_lines_are_released_when_the_unit_stops(
    gpio_camera: tuple[Camera, FakeChip],
) -> None:
    camera, chip = gpio_camera
    await camera.server.stop()
    assert chip.request.released
