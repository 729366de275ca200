"""One camera's PTZ head as the CGIs see it: its position, its continuous move, its events.

The head keeps the position it knows (from the driver's replies where the protocol has them,
else estimated from the commands it sent), clamps every target to the limits, runs a
continuous move as a loop task that steps the position at a bounded rate (:data:`TICK`) until
``0,0`` / ``0``, a new absolute move, or the safety :attr:`~DriverSpec.timeout`, and publishes
:class:`~ipcamd.events.PTZMoved` (retained per camera) at every step and when it stops.
Commands of one camera are serialised by :attr:`lock` so two requests never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from ipcamd.errors import IpcamdError
from ipcamd.events import PTZMoved
from ipcamd.ptz.driver import Driver, Limits, Position

_LOGGER = logging.getLogger(__name__)

#: Seconds between two steps of a continuous move (20 window updates a second at most).
TICK = 0.05
#: Pan speed of a digital autopan (the head's own scan is the driver's).
AUTOPAN_SPEED = 20


@dataclass
class Velocity:
    """Continuous speeds, -100..100 per axis (0 = still)."""

    pan: int = 0
    tilt: int = 0
    zoom: int = 0

    @property
    def still(self) -> bool:
        """True when nothing moves."""
        return self.pan == 0 and self.tilt == 0 and self.zoom == 0


class Head:
    """A driver with the state ptz.cgi needs (loop-only)."""

    def __init__(
        self,
        driver: Driver,
        publish: Callable[[PTZMoved], None],
        limits: Callable[[], Limits] | None = None,
    ) -> None:
        self.driver = driver
        self.camera = driver.spec.camera
        self._publish = publish
        #: The limits in force (``PTZ.Limit.L<n>``, within the driver's own).
        self.limits = limits or (lambda: driver.limits)
        self._position = self.target(Position())
        self._velocity = Velocity()
        self._task: asyncio.Task[None] | None = None
        self._deadline = 0.0
        self._autopan = False
        #: ``speed=``: the head speed 1-100 (``query=speed``).
        self.speed = 100
        #: Serialises the commands of this camera.
        self.lock = asyncio.Lock()

    @property
    def position(self) -> Position:
        """Where the head points now (known or estimated)."""
        return self._position

    @property
    def moving(self) -> bool:
        """True while a continuous move (or a digital autopan) runs."""
        return self._task is not None and not self._task.done()

    def target(self, position: Position) -> Position:
        """``position`` inside the limits and as far as the head can take it."""
        return self.driver.reachable(self.limits().clamp(position))

    async def start(self) -> None:
        """Open the driver and say where the head points."""
        await self.driver.start()
        self.driver.show(self._position)
        self._announce(moving=False)

    async def stop(self) -> None:
        """Stop moving (the head is told to stop) and close the driver."""
        with contextlib.suppress(Exception):
            await self.halt()
        await self.driver.stop()

    async def go(self, target: Position, speed: int | None = None) -> Position:
        """Stop any continuous move, then go to ``target`` (clamped); returns where it went."""
        await self.halt()
        self._autopan = False
        position = self.target(target)
        await self.driver.goto(position, speed or self.speed)
        self._position = position
        self._announce(moving=False)
        return position

    def assume(self, position: Position) -> None:
        """The head went to ``position`` by itself (a device preset, or its own report)."""
        self._position = self.target(position)
        self._announce(moving=False)

    async def drive(
        self, pan: int | None = None, tilt: int | None = None, zoom: int | None = None
    ) -> None:
        """Set the continuous speeds of the axes given (the others keep theirs); all zero
        stops. The move stops by itself :attr:`DriverSpec.timeout` s after this call."""
        self._autopan = False
        velocity = Velocity(
            self._velocity.pan if pan is None else pan,
            self._velocity.tilt if tilt is None else tilt,
            self._velocity.zoom if zoom is None else zoom,
        )
        if velocity.still:
            await self.halt()
            return
        await self._run(velocity, time.monotonic() + self.driver.spec.timeout)

    async def autopan(self, on: bool) -> None:
        """Pan back and forth between the pan limits until a manual move (or ``off``)."""
        if scans_by_itself(self.driver):
            await self.halt()
            await self.driver.autopan(on)
            return
        if not on:
            if self._autopan:
                await self.halt()
            return
        await self._run(Velocity(AUTOPAN_SPEED, 0, 0), float("inf"))
        self._autopan = True

    async def halt(self) -> None:
        """End a continuous move: the loop stops, the head is told, its position asked."""
        task, self._task = self._task, None
        was_moving = not self._velocity.still
        self._velocity = Velocity()
        self._autopan = False
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if was_moving:
            await self._stopped()

    async def _run(self, velocity: Velocity, deadline: float) -> None:
        self._velocity = velocity
        self._deadline = deadline
        await self.driver.drive(velocity.pan, velocity.tilt, velocity.zoom)
        if not self.moving:
            self._task = asyncio.create_task(self._loop(), name=f"ptz move {self.camera}")
            self._announce(moving=True)  # a move began (even one held at a limit)

    async def _stopped(self) -> None:
        """The head was told to stop moving: take its word for where it is, if it has one."""
        await self.driver.drive(0, 0, 0)
        located = await self.driver.locate()
        if located is not None:
            self._position = self.target(located)
        self._announce(moving=False)

    async def _loop(self) -> None:
        """Step the position at the speeds until they are 0 or the deadline passes."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(TICK)
            now = time.monotonic()
            elapsed, last = now - last, now
            if now >= self._deadline:
                _LOGGER.info(
                    "PTZ camera %d: continuous move stopped after its timeout", self.camera
                )
                self._velocity = Velocity()
                self._task = None
                try:
                    await self._stopped()
                except IpcamdError as err:  # the head went away meanwhile; nobody to answer
                    _LOGGER.warning("PTZ camera %d: could not stop: %s", self.camera, err)
                return
            velocity = self._velocity
            rates = self.driver.rates(self._position)
            wanted = Position(
                self._position.pan + velocity.pan / 100 * rates.pan * elapsed,
                self._position.tilt + velocity.tilt / 100 * rates.tilt * elapsed,
                self._position.zoom + velocity.zoom / 100 * rates.zoom * elapsed,
            )
            position = self.target(wanted)
            if self._autopan and position.pan != wanted.pan:
                self._velocity = Velocity(-velocity.pan, 0, 0)
            if position == self._position:
                continue  # at a limit: nothing to show or tell
            self._position = position
            self.driver.show(position)
            self._announce(moving=True)

    def _announce(self, *, moving: bool) -> None:
        p = self._position
        self._publish(PTZMoved(self.camera, p.pan, p.tilt, round(p.zoom), moving))


def scans_by_itself(driver: Driver) -> bool:
    """True when the driver scans by itself (``autopan`` goes to the head)."""
    return type(driver).autopan is not Driver.autopan
