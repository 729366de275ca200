"""The I/O service: the ports' logical states, their events, and what changes them.

It joins the backend's circuits to the configuration (``IOPort.I<n>.Input.Trig`` and
``Output.Active`` say which circuit is *active*) and publishes
:class:`~ipcamd.events.PortChanged` on the bus whenever a port's logical state changes, and once
per port at start (state events are retained per port, so a monitor stream's first part and an
RTSP metadata stream's ``Initialized`` messages come from the bus). Each change is published
once: a step that leaves a port as it was publishes nothing.

Outputs change by action sequences (``port.cgi``/``output.cgi``); inputs by the backend (a GPIO
edge) or, on the virtual backend, by a script (``ipcamd/io/input.cgi``), through the same
sequencer. When ``Input.Trig`` changes, an input's circuit stays and its logical state may flip;
when ``Output.Active`` changes, the output keeps its logical state and its circuit is driven to
match (a relay configured anew stays inactive).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from ipcamd.errors import Conflict
from ipcamd.events import EventBus, PortChanged
from ipcamd.io.actions import Step
from ipcamd.io.backend import IOBackend
from ipcamd.io.ports import Circuit, IOLayout, Port, closed_for, is_active
from ipcamd.io.sequencer import Sequencer
from ipcamd.params.store import ParamChange, ParamStore

_LOGGER = logging.getLogger(__name__)


class IOService:
    """The unit's ports; every method runs on the event loop."""

    def __init__(
        self, params: ParamStore, bus: EventBus, layout: IOLayout, backend: IOBackend
    ) -> None:
        self.params = params
        self.bus = bus
        self.layout = layout
        self.backend = backend
        self._active: dict[int, bool] = {}
        self._sequencer = Sequencer(self._set)
        self._unsubscribe: Callable[[], None] | None = None

    # ------------------------------------------------------------------ lifetime

    async def start(self) -> None:
        """Drive every output inactive, start the backend, publish every port's state."""
        outputs = {
            port.index: closed_for(False, self._active_when(port))
            for port in self.layout.ports
            if not port.is_input
        }
        await self.backend.start(outputs, self._on_input)
        for port in self.layout.ports:
            active = is_active(self.backend.closed(port.index), self._active_when(port))
            self._active[port.index] = active
            self.bus.publish(PortChanged(port.index, port.direction, active))
        self._unsubscribe = self.params.subscribe("IOPort", self._on_params)
        _LOGGER.debug(
            "I/O: %d inputs, %d outputs (%s backend)",
            self.layout.inputs,
            self.layout.outputs,
            self.backend.name,
        )

    async def stop(self) -> None:
        """Stop the sequences and the backend; outputs keep their last state."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self._sequencer.stop()
        await self.backend.stop()

    # ------------------------------------------------------------------ reading

    def closed(self, port: Port) -> bool:
        """The port's circuit: what ``check`` answers (1 closed, 0 open)."""
        return self.backend.closed(port.index)

    def active(self, port: Port) -> bool:
        """The port's logical state: what ``checkactive`` answers."""
        return self._active[port.index]

    def running(self, port: Port) -> bool:
        """True while a sequence still has steps to play on ``port``."""
        return self._sequencer.running(port.index)

    # ------------------------------------------------------------------ changing

    def act(self, port: Port, steps: Sequence[Step]) -> None:
        """Play ``steps`` on output ``port`` (replacing a sequence running there); the steps due
        at once are applied before this returns."""
        if port.is_input:
            raise ValueError(f"port {port.number} is an input")
        self._sequencer.run(port.index, steps)

    def simulate(self, port: Port, steps: Sequence[Step]) -> None:
        """Play ``steps`` on input ``port`` as a script asks; :class:`~ipcamd.errors.Conflict`
        when the backend's inputs are real ones (checked before anything is scheduled)."""
        if not port.is_input:
            raise ValueError(f"port {port.number} is an output")
        if not self.backend.simulated_inputs:
            raise Conflict(
                f"Input {port.ordinal} is read from hardware ({self.backend.name} backend); "
                "only the virtual backend's inputs can be set"
            )
        self._sequencer.run(port.index, steps)

    def _set(self, index: int, active: bool) -> None:
        """One step: the circuit for ``active`` on port ``index``; the event if it changed."""
        port = self.layout.ports[index]
        closed = closed_for(active, self._active_when(port))
        if port.is_input:
            self.backend.simulate_input(index, closed)  # reported back through _on_input
            return
        self.backend.drive(index, closed)
        self._publish(port, active)

    def _on_input(self, index: int, closed: bool) -> None:
        port = self.layout.ports[index]
        self._publish(port, is_active(closed, self._active_when(port)))

    def _on_params(self, change: ParamChange) -> None:
        for port in self.layout.ports:
            if port.active_when not in change.values:
                continue
            if port.is_input:
                self._on_input(port.index, self.backend.closed(port.index))
            else:
                self.backend.drive(
                    port.index, closed_for(self._active[port.index], self._active_when(port))
                )

    def _publish(self, port: Port, active: bool) -> None:
        if self._active.get(port.index) == active:
            return
        self._active[port.index] = active
        self.bus.publish(PortChanged(port.index, port.direction, active))

    def _active_when(self, port: Port) -> Circuit:
        return Circuit(self.params.get(port.active_when))
