"""A Pelco-D head on a serial line (RS-485 through a USB adapter, usually ``/dev/ttyUSB0``).

Moves are real frames (:mod:`ipcamd.ptz.pelco`). Absolute moves use the Set Pan / Tilt / Zoom
Position commands; continuous moves set the direction bits with the speed, and one frame says
the whole motion (pan, tilt, zoom, focus, iris), so each change sends the combined state. Where
the head is: the Query Pan / Tilt / Zoom Position commands are asked after every stop; a head
that does not answer (many do not) is asked again only after :data:`QUIET` seconds, and its
position is then the estimate the :class:`~ipcamd.ptz.head.Head` keeps from what was sent
(targets of absolute moves and presets, speed x time of continuous moves at ``rate`` degrees a
second).

Relative focus and iris (``rfocus``, ``riris``) have no frame of their own: they run focus or
iris for :data:`STEP_SECONDS` per step, then stop. ``osdmenu`` drives the dome's own menu the
way Pelco-style domes take it: ``open`` calls preset 95, arrows are short tilt/pan pulses,
``select`` is iris open, ``back`` and ``close`` are iris close.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from ipcamd.ptz import pelco
from ipcamd.ptz.driver import (
    Capability,
    DevicePresetAction,
    Driver,
    Limits,
    OsdCommand,
    Position,
    Rates,
)
from ipcamd.ptz.pelco import Cmd1, Cmd2
from ipcamd.ptz.serial_link import SerialLink
from ipcamd.ptz.spec import DriverSpec

#: Seconds a head that did not answer a position query is left alone.
QUIET = 60.0
#: Seconds of focus or iris motion per step of ``rfocus`` / ``riris``.
STEP_SECONDS = 0.0005
#: The preset number Pelco-style domes open their menu with.
MENU_PRESET = 95
#: Zoom steps a second at full continuous zoom speed (estimate).
ZOOM_RATE = 9998 / 5


class PelcoDriver(Driver):
    """A Pelco-D unit at ``spec.address`` on ``spec.device``."""

    capabilities = frozenset(
        {
            Capability.ABSOLUTE_PAN,
            Capability.ABSOLUTE_TILT,
            Capability.ABSOLUTE_ZOOM,
            Capability.AREA_ZOOM,
            Capability.AUTO_FOCUS,
            Capability.AUTO_IRIS,
            Capability.CONTINUOUS_FOCUS,
            Capability.CONTINUOUS_IRIS,
            Capability.CONTINUOUS_PAN,
            Capability.CONTINUOUS_TILT,
            Capability.CONTINUOUS_ZOOM,
            Capability.DEVICE_PRESET,
            Capability.OSD_MENU,
            Capability.RELATIVE_FOCUS,
            Capability.RELATIVE_IRIS,
            Capability.RELATIVE_PAN,
            Capability.RELATIVE_TILT,
            Capability.RELATIVE_ZOOM,
            Capability.SERVER_PRESET,
            Capability.SPEED_CTL,
            Capability.RAW_DATA,
            Capability.AUTO_PAN,
        }
    )

    def __init__(self, spec: DriverSpec) -> None:
        super().__init__(spec)
        self.link = SerialLink(spec.device, spec.baud, f"PTZ {spec.camera} (pelco-d)")
        optics = spec.optics
        self._limits = Limits(
            -180.0,
            180.0,
            -90.0,
            90.0,
            max_field_angle=optics.fov,
            min_field_angle=optics.fov / optics.max_zoom,
        )
        #: The motion the last frame asked for: pan, tilt, zoom, focus, iris speeds.
        self._motion = [0, 0, 0, 0, 0]
        self._pulses: set[asyncio.Task[None]] = set()
        self._quiet_until = 0.0
        self._auto = [True, True]

    @property
    def limits(self) -> Limits:
        """A full-turn head: pan -180..180, tilt -90..90."""
        return self._limits

    def rates(self, position: Position) -> Rates:
        """The configured ``rate`` for pan and tilt at full speed."""
        return Rates(self.spec.rate, self.spec.rate, ZOOM_RATE)

    @property
    def error(self) -> str | None:
        """The serial line's trouble, if any."""
        return self.link.error

    @property
    def auto_state(self) -> tuple[bool | None, bool | None]:
        """Autofocus and autoiris as last set (domes start in auto)."""
        return self._auto[0], self._auto[1]

    async def start(self) -> None:
        """Open the serial device (a failure shows in :attr:`error`)."""
        await self.link.start()

    async def stop(self) -> None:
        """Cancel pulses, send a stop if anything moves, close the line."""
        for task in list(self._pulses):
            task.cancel()
        if any(self._motion) and self.link.error is None:
            with contextlib.suppress(Exception):
                await self._send_motion([0, 0, 0, 0, 0])
        await self.link.stop()

    async def _send(self, data: bytes) -> None:
        await self.link.send(data)

    async def _send_motion(self, motion: list[int]) -> None:
        self._motion = motion
        pan, tilt, zoom, focus, iris = motion
        await self._send(pelco.motion(self.spec.address, pan, tilt, zoom, focus=focus, iris=iris))

    async def goto(self, target: Position, speed: int) -> None:
        """Set Pan, Tilt and Zoom Position."""
        address = self.spec.address
        await self._send(
            pelco.extended(address, Cmd2.SET_PAN, pelco.pan_value(target.pan))
            + pelco.extended(address, Cmd2.SET_TILT, pelco.tilt_value(target.tilt))
            + pelco.extended(address, Cmd2.SET_ZOOM, pelco.zoom_value(target.zoom))
        )

    async def drive(self, pan: int, tilt: int, zoom: int) -> None:
        """Direction bits and speeds for pan, tilt and zoom (focus and iris keep theirs)."""
        if zoom and not self._motion[2]:
            await self._send(
                pelco.extended(self.spec.address, Cmd2.ZOOM_SPEED, min(3, abs(zoom) * 4 // 101))
            )
        await self._send_motion([pan, tilt, zoom, self._motion[3], self._motion[4]])

    async def locate(self) -> Position | None:
        """Query Pan, Tilt and Zoom Position; None when the head does not answer."""
        if time.monotonic() < self._quiet_until:
            return None
        address = self.spec.address
        values = []
        for ask, answer in (
            (Cmd2.QUERY_PAN, Cmd2.PAN_IS),
            (Cmd2.QUERY_TILT, Cmd2.TILT_IS),
            (Cmd2.QUERY_ZOOM, Cmd2.ZOOM_IS),
        ):
            reply = await self.link.send(pelco.frame(address, 0, ask), reply=pelco.FRAME)
            value = pelco.reply_value(reply, address, answer)
            if value is None:
                self._quiet_until = time.monotonic() + QUIET
                return None
            values.append(value)
        return Position(
            pelco.pan_degrees(values[0]), pelco.tilt_degrees(values[1]), pelco.zoom_steps(values[2])
        )

    async def focus(self, speed: int) -> None:
        """Focus near (positive) or far; 0 stops focusing."""
        await self._send_motion([*self._motion[:3], speed, self._motion[4]])

    async def iris(self, speed: int) -> None:
        """Open (positive) or close the iris; 0 stops."""
        await self._send_motion([*self._motion[:4], speed])

    async def _pulse(self, axis: int, speed: int, seconds: float) -> None:
        motion = list(self._motion)
        motion[axis] = speed
        await self._send_motion(motion)

        async def end() -> None:
            await asyncio.sleep(seconds)
            stopped = list(self._motion)
            stopped[axis] = 0
            await self._send_motion(stopped)

        task = asyncio.create_task(end(), name=f"pelco pulse {self.spec.camera}")
        self._pulses.add(task)
        task.add_done_callback(self._pulses.discard)

    async def nudge_focus(self, steps: int) -> None:
        """Focus far (positive) or near for ``|steps|`` x :data:`STEP_SECONDS`."""
        if steps:
            await self._pulse(3, -50 if steps > 0 else 50, abs(steps) * STEP_SECONDS)

    async def nudge_iris(self, steps: int) -> None:
        """Open (positive) or close the iris for ``|steps|`` x :data:`STEP_SECONDS`."""
        if steps:
            await self._pulse(4, 50 if steps > 0 else -50, abs(steps) * STEP_SECONDS)

    async def auto_focus(self, on: bool) -> None:
        """Extended command 0x2B: 0 automatic, 1 off."""
        await self._send(pelco.frame(self.spec.address, 0, Cmd2.AUTO_FOCUS, 0, 0 if on else 1))
        self._auto[0] = on

    async def auto_iris(self, on: bool) -> None:
        """Extended command 0x2D: 0 automatic, 1 off."""
        await self._send(pelco.frame(self.spec.address, 0, Cmd2.AUTO_IRIS, 0, 0 if on else 1))
        self._auto[1] = on

    async def autopan(self, on: bool) -> None:
        """The dome's auto scan: command 1 with the scan bit, and the sense bit for on."""
        cmd1 = Cmd1.AUTO_SCAN | (Cmd1.SENSE if on else 0)
        await self._send(pelco.frame(self.spec.address, cmd1, 0))

    async def device_preset(self, action: DevicePresetAction, number: int) -> None:
        """Set (0x03), clear (0x05) or go to (0x07) the dome's preset ``number``."""
        command = {
            DevicePresetAction.SET: Cmd2.SET_PRESET,
            DevicePresetAction.CLEAR: Cmd2.CLEAR_PRESET,
            DevicePresetAction.GOTO: Cmd2.GOTO_PRESET,
        }[action]
        await self._send(pelco.frame(self.spec.address, 0, command, 0, number))

    def check_raw(self, data: bytes) -> None:
        """Whole Pelco-D frames with right checksums only."""
        pelco.check(data)

    async def raw(self, data: bytes) -> None:
        """The frames exactly as given."""
        await self._send(data)

    async def osd(self, command: OsdCommand) -> None:
        """The dome's menu (see the module's docstring)."""
        address = self.spec.address
        if command is OsdCommand.OPEN:
            await self._send(pelco.frame(address, 0, Cmd2.GOTO_PRESET, 0, MENU_PRESET))
            return
        pulses = {
            OsdCommand.UP: pelco.motion(address, 0, 50, 0),
            OsdCommand.DOWN: pelco.motion(address, 0, -50, 0),
            OsdCommand.LEFT: pelco.motion(address, -50, 0, 0),
            OsdCommand.RIGHT: pelco.motion(address, 50, 0, 0),
            OsdCommand.SELECT: pelco.motion(address, 0, 0, 0, iris=50),
            OsdCommand.BACK: pelco.motion(address, 0, 0, 0, iris=-50),
            OsdCommand.CLOSE: pelco.motion(address, 0, 0, 0, iris=-50),
        }
        await self._send(pulses[command] + pelco.motion(address, 0, 0, 0))
        self._motion = [0, 0, 0, 0, 0]
