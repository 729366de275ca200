"""The GPIO backend: inputs and outputs as lines of a Linux GPIO character device (libgpiod 2).

Optional: it needs the ``gpiod`` package (``pip install 'ipcamd[gpio]'``) and a chip such as
``/dev/gpiochip0`` the process may open. Configuration (TOML ``[io]``)::

    io_backend = "gpio"
    gpio_chip = "/dev/gpiochip0"
    gpio_input_lines = [17, 27]     # IOPort.I0, I1 (inputs 1, 2)
    gpio_output_lines = [22]        # IOPort.I2 (output 1)
    gpio_active_low = false         # true: a closed circuit pulls the line low (pull-up wiring)
    gpio_bias = "pull-up"           # inputs: as-is, pull-up, pull-down, disabled
    gpio_debounce_ms = 10           # inputs: ignore bounces shorter than this

A line that reads *active* (after ``gpio_active_low``) is a closed circuit. Inputs are watched
with edge detection on both edges; the request's file descriptor is read by the event loop
(``add_reader``), so no thread waits on the hardware and each edge is reported once, in order.
Outputs are requested with their initial (inactive) values, so they never glitch at start.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from ipcamd.errors import InvalidParameter, Unavailable
from ipcamd.io.backend import InputListener, IOBackend
from ipcamd.io.ports import IOLayout

_LOGGER = logging.getLogger(__name__)

#: Highest line offset accepted (chips have at most a few hundred lines).
MAX_LINE = 1023
#: Longest debounce period, in milliseconds.
MAX_DEBOUNCE_MS = 1000
CONSUMER = "ipcamd"


class Bias(StrEnum):
    """Pull resistors for input lines (``gpio_bias``)."""

    AS_IS = "as-is"
    PULL_UP = "pull-up"
    PULL_DOWN = "pull-down"
    DISABLED = "disabled"


@dataclass(frozen=True)
class GpioSettings:
    """Which chip and lines the ports are, checked once at start-up."""

    chip: str
    input_lines: tuple[int, ...] = ()
    output_lines: tuple[int, ...] = ()
    active_low: bool = False
    bias: Bias = Bias.AS_IS
    debounce_ms: int = 0

    @classmethod
    def parse(
        cls,
        *,
        chip: str,
        input_lines: Sequence[object],
        output_lines: Sequence[object],
        active_low: bool = False,
        bias: str = "as-is",
        debounce_ms: int = 0,
    ) -> GpioSettings:
        """Settings from configuration values; :class:`InvalidParameter` says what is wrong."""
        if not chip or not chip.startswith("/"):
            raise InvalidParameter(
                f"gpio_chip must be a device path such as /dev/gpiochip0, not {chip!r}"
            )
        inputs = _lines("gpio_input_lines", input_lines)
        outputs = _lines("gpio_output_lines", output_lines)
        shared = sorted(set(inputs) & set(outputs))
        if shared:
            raise InvalidParameter(f"GPIO line {shared[0]} is both an input and an output")
        try:
            chosen_bias = Bias(bias)
        except ValueError:
            choices = ", ".join(b.value for b in Bias)
            raise InvalidParameter(f"gpio_bias must be one of {choices}, not {bias!r}") from None
        if isinstance(debounce_ms, bool) or not 0 <= debounce_ms <= MAX_DEBOUNCE_MS:
            raise InvalidParameter(f"gpio_debounce_ms must be 0 to {MAX_DEBOUNCE_MS}")
        return cls(chip, inputs, outputs, bool(active_low), chosen_bias, debounce_ms)

    @property
    def layout(self) -> IOLayout:
        """One input per input line, one output per output line."""
        return IOLayout(len(self.input_lines), len(self.output_lines))


def _lines(key: str, values: Sequence[object]) -> tuple[int, ...]:
    lines: list[int] = []
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LINE:
            raise InvalidParameter(f"{key} must list line offsets 0 to {MAX_LINE}, not {value!r}")
        if value in lines:
            raise InvalidParameter(f"{key} lists line {value} twice")
        lines.append(value)
    return tuple(lines)


def load_gpiod() -> Any:
    """The ``gpiod`` module; :class:`Unavailable` with the install hint when it is missing."""
    try:
        return importlib.import_module("gpiod")
    except ImportError as err:
        raise Unavailable(
            "The gpio I/O backend needs the gpiod package: pip install 'ipcamd[gpio]'"
        ) from err


class GpioBackend(IOBackend):
    """Ports as GPIO lines. ``gpiod`` is the module (a stand-in in unit tests)."""

    name = "gpio"

    def __init__(
        self,
        settings: GpioSettings,
        gpiod: Any = None,
        loop_of: Callable[[], asyncio.AbstractEventLoop] = asyncio.get_running_loop,
    ) -> None:
        self.settings = settings
        self._gpiod: Any = gpiod
        self._loop_of = loop_of
        layout = settings.layout
        #: Port index → line offset, and back for the inputs.
        self._line = {
            port.index: line
            for port, line in zip(
                layout.ports, (*settings.input_lines, *settings.output_lines), strict=True
            )
        }
        self._input_of = {line: i for i, line in self._line.items() if i < layout.inputs}
        self._closed: dict[int, bool] = {}
        self._request: Any = None
        self._listener: InputListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, outputs: Mapping[int, bool], listener: InputListener) -> None:
        """Request the lines (outputs at their initial values) and watch the inputs' edges."""
        gpiod = self._gpiod = self._gpiod if self._gpiod is not None else load_gpiod()
        line_mod = gpiod.line
        s = self.settings
        config: dict[Any, Any] = {}
        if s.input_lines:
            config[s.input_lines] = gpiod.LineSettings(
                direction=line_mod.Direction.INPUT,
                edge_detection=line_mod.Edge.BOTH,
                bias=getattr(line_mod.Bias, s.bias.name),
                active_low=s.active_low,
                debounce_period=timedelta(milliseconds=s.debounce_ms),
            )
        if s.output_lines:
            config[s.output_lines] = gpiod.LineSettings(
                direction=line_mod.Direction.OUTPUT, active_low=s.active_low
            )
        values = {self._line[i]: _value(line_mod, closed) for i, closed in outputs.items()}
        self._request = gpiod.request_lines(
            s.chip, config=config, consumer=CONSUMER, output_values=values
        )
        self._closed = dict(outputs)
        for line, index in self._input_of.items():
            self._closed[index] = self._request.get_value(line) == line_mod.Value.ACTIVE
        self._listener = listener
        if s.input_lines:
            self._loop = self._loop_of()
            self._loop.add_reader(self._request.fd, self._on_readable)
        _LOGGER.debug(
            "GPIO %s: input lines %s, output lines %s", s.chip, s.input_lines, s.output_lines
        )

    async def stop(self) -> None:
        """Stop watching and release the lines."""
        request, self._request = self._request, None
        self._listener = None
        if request is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(request.fd)
            self._loop = None
        request.release()

    def closed(self, index: int) -> bool:
        """The input as its last edge left it, or the output as last driven."""
        return self._closed[index]

    def drive(self, index: int, closed: bool) -> None:
        """Set the output line (a non-blocking ioctl)."""
        if self._request is None:
            raise Unavailable("The GPIO lines are not requested (the unit is stopping)")
        self._request.set_value(self._line[index], _value(self._gpiod.line, closed))
        self._closed[index] = closed

    def _on_readable(self) -> None:
        """Edges are waiting: read them all (the fd is readable, so this does not block)."""
        request = self._request
        if request is None:
            return
        rising = self._gpiod.EdgeEvent.Type.RISING_EDGE
        for event in request.read_edge_events():
            index = self._input_of.get(event.line_offset)
            if index is None:
                continue
            closed = event.event_type == rising
            if self._closed.get(index) == closed:
                continue
            self._closed[index] = closed
            if self._listener is not None:
                self._listener(index, closed)


def _value(line_mod: Any, closed: bool) -> Any:
    return line_mod.Value.ACTIVE if closed else line_mod.Value.INACTIVE
