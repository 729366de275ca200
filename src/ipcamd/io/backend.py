"""Where the circuits are: a small interface to the port hardware, and the virtual backend.

A backend knows circuits only (closed or open): which state is *active* is configuration
(``Input.Trig``, ``Output.Active``) applied by :class:`~ipcamd.io.service.IOService`. The
virtual backend (the default) keeps every circuit in memory: outputs are what the unit drove,
inputs what a script set (``ipcamd/io/input.cgi``). The GPIO backend (:mod:`ipcamd.io.gpio`)
reads and drives lines of a Linux GPIO character device.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

from ipcamd.errors import Conflict
from ipcamd.io.ports import IOLayout

#: Told of an input's new circuit: ``(port index, closed)``. Called on the event loop.
InputListener = Callable[[int, bool], None]


class IOBackend(ABC):
    """The circuits of a unit's ports. Every method runs on the event loop and returns at once."""

    #: Shown in logs and errors.
    name = "backend"
    #: True when inputs are circuits a script sets (:meth:`simulate_input`), not hardware.
    simulated_inputs = False

    @abstractmethod
    async def start(self, outputs: Mapping[int, bool], listener: InputListener) -> None:
        """Drive each output of ``outputs`` (index → closed) and start reporting inputs."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop reporting inputs and release the hardware (outputs keep their state)."""

    @abstractmethod
    def closed(self, index: int) -> bool:
        """True when port ``index``'s circuit is closed (``port.cgi?check`` answers 1)."""

    @abstractmethod
    def drive(self, index: int, closed: bool) -> None:
        """Close or open output ``index``'s circuit."""

    def simulate_input(self, index: int, closed: bool) -> None:
        """Set input ``index`` as a script asks: only a backend without real inputs can."""
        raise Conflict(f"Inputs of the {self.name} backend are read from hardware; none is driven")


class VirtualBackend(IOBackend):
    """Every circuit in memory; inputs change only when a script sets them. Open at start."""

    name = "virtual"
    simulated_inputs = True

    def __init__(self, layout: IOLayout) -> None:
        self._closed = {port.index: False for port in layout.ports}
        self._listener: InputListener | None = None

    async def start(self, outputs: Mapping[int, bool], listener: InputListener) -> None:
        """Set the outputs' circuits; inputs start open."""
        self._closed.update(outputs)
        self._listener = listener

    async def stop(self) -> None:
        """Nothing to release; scripted inputs are no longer reported."""
        self._listener = None

    def closed(self, index: int) -> bool:
        """The circuit as last driven or set."""
        return self._closed[index]

    def drive(self, index: int, closed: bool) -> None:
        """Remember the output's circuit."""
        self._closed[index] = closed

    def simulate_input(self, index: int, closed: bool) -> None:
        """Set an input's circuit and report it, as a wire would."""
        if self._closed[index] == closed:
            return
        self._closed[index] = closed
        if self._listener is not None:
            self._listener(index, closed)
