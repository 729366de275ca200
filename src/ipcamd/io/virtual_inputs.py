"""Axis-style virtual inputs 1-32: states a client (a VMS button, an alarm panel, a script) sets
through ``virtualinput/activate.cgi`` and ``deactivate.cgi`` for rules to use.

Each input is high (active) or low; :class:`~ipcamd.events.VirtualInputChanged` is published on
every change and once per input at start (retained, like physical ports), so the event engine and
the RTSP metadata stream (``tns1:Device/tnsaxis:IO/VirtualInput``) see them like physical ones.
``activate`` with a duration deactivates the input that many seconds later (an input already
active stays active and gets the new deadline); a later ``activate`` or ``deactivate`` replaces
a pending deadline. States live in memory: a restart starts every input low, as on real devices.
"""

from __future__ import annotations

import asyncio

from ipcamd.errors import InvalidParameter, NotFound
from ipcamd.events import EventBus, VirtualInputChanged

#: How many virtual inputs the unit has (ports 1 to this).
VIRTUAL_INPUTS = 32
#: Longest ``duration`` in seconds (a 32-bit signed count, as the C CGIs parse it).
MAX_DURATION = 2**31 - 1


class MissingArgument(InvalidParameter):
    """Raised when a virtual input request lacks ``schemaversion`` or ``port`` (error code 10)."""


class UnsupportedSchemaVersion(InvalidParameter):
    """Raised when a virtual input request asks for a schema major version other than 1 (30)."""


class InvalidDuration(InvalidParameter):
    """Raised when ``duration`` is not a whole number of seconds from 0 to
    :data:`MAX_DURATION` (error code 50)."""


class VirtualInputs:
    """The states of the unit's virtual inputs; event loop only."""

    def __init__(self, bus: EventBus, count: int = VIRTUAL_INPUTS) -> None:
        self.bus = bus
        self.count = count
        self._active = dict.fromkeys(range(1, count + 1), False)
        self._deadlines: dict[int, asyncio.TimerHandle] = {}

    async def start(self) -> None:
        """Publish every input's (low) state."""
        for port, active in self._active.items():
            self.bus.publish(VirtualInputChanged(port, active))

    async def stop(self) -> None:
        """Drop pending deactivations."""
        for handle in self._deadlines.values():
            handle.cancel()
        self._deadlines.clear()

    def check_port(self, port: int) -> None:
        """:class:`NotFound` unless ``port`` is one of the inputs (error code 20)."""
        if port not in self._active:
            raise NotFound(f"Virtual input {port} does not exist (1 to {self.count})")

    def active(self, port: int) -> bool:
        """The input's state."""
        self.check_port(port)
        return self._active[port]

    def activate(self, port: int, duration: int | None = None) -> bool:
        """Set ``port`` high (low again after ``duration`` seconds, if given); True if it was
        low. ``duration=0`` activates and deactivates at once (two events)."""
        self.check_port(port)
        if duration is not None and not 0 <= duration <= MAX_DURATION:
            raise InvalidDuration(f"Invalid duration {duration} (0 to {MAX_DURATION} seconds)")
        self._cancel_deadline(port)
        changed = self._set(port, True)
        if duration == 0:
            self._set(port, False)
        elif duration is not None:
            loop = asyncio.get_running_loop()
            self._deadlines[port] = loop.call_later(duration, self._expire, port)
        return changed

    def deactivate(self, port: int) -> bool:
        """Set ``port`` low; True if it was high."""
        self.check_port(port)
        self._cancel_deadline(port)
        return self._set(port, False)

    def _expire(self, port: int) -> None:
        self._deadlines.pop(port, None)
        self._set(port, False)

    def _cancel_deadline(self, port: int) -> None:
        handle = self._deadlines.pop(port, None)
        if handle is not None:
            handle.cancel()

    def _set(self, port: int, active: bool) -> bool:
        if self._active[port] == active:
            return False
        self._active[port] = active
        self.bus.publish(VirtualInputChanged(port, active))
        return True
