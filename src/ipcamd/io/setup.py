"""The unit's ports and backend from its start-up configuration (``io_*`` and ``gpio_*`` keys).

The virtual backend has ``io_inputs`` inputs and ``io_outputs`` outputs (2 and 2 by default);
the GPIO backend one input per ``gpio_input_lines`` entry and one output per
``gpio_output_lines`` entry (``io_inputs``/``io_outputs``, if given, must agree). Every value is
checked here, before the unit opens: a bad one stops ``ipcamd serve`` with a message.
"""

from __future__ import annotations

from enum import StrEnum

from ipcamd.config import Config
from ipcamd.errors import InvalidParameter
from ipcamd.io.backend import IOBackend, VirtualBackend
from ipcamd.io.gpio import GpioBackend, GpioSettings
from ipcamd.io.ports import IOLayout

DEFAULT_INPUTS = 2
DEFAULT_OUTPUTS = 2


class BackendKind(StrEnum):
    """``io_backend``."""

    VIRTUAL = "virtual"
    GPIO = "gpio"


def backend_kind(config: Config) -> BackendKind:
    """The configured backend; :class:`InvalidParameter` for an unknown name."""
    try:
        return BackendKind(config.io_backend)
    except ValueError:
        raise InvalidParameter(
            f"io_backend must be virtual or gpio, not {config.io_backend!r}"
        ) from None


def gpio_settings(config: Config) -> GpioSettings:
    """The GPIO keys, checked."""
    return GpioSettings.parse(
        chip=config.gpio_chip,
        input_lines=config.gpio_input_lines,
        output_lines=config.gpio_output_lines,
        active_low=config.gpio_active_low,
        bias=config.gpio_bias,
        debounce_ms=config.gpio_debounce_ms,
    )


def io_layout(config: Config) -> IOLayout:
    """How many inputs and outputs the unit has."""
    if backend_kind(config) is BackendKind.VIRTUAL:
        return IOLayout(
            DEFAULT_INPUTS if config.io_inputs is None else config.io_inputs,
            DEFAULT_OUTPUTS if config.io_outputs is None else config.io_outputs,
        )
    layout = gpio_settings(config).layout
    for key, given, lines in (
        ("io_inputs", config.io_inputs, layout.inputs),
        ("io_outputs", config.io_outputs, layout.outputs),
    ):
        if given is not None and given != lines:
            raise InvalidParameter(
                f"{key} = {given} disagrees with the {lines} GPIO lines configured for them"
            )
    return layout


def build_backend(config: Config) -> IOBackend:
    """The configured backend (not started)."""
    if backend_kind(config) is BackendKind.VIRTUAL:
        return VirtualBackend(io_layout(config))
    return GpioBackend(gpio_settings(config))
