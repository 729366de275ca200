"""The events of every family, declared in one place so listeners need not import publishers.

An event is a frozen dataclass: a fact that has happened, never a request. Listeners such as the
RTSP metadata stream, the event engine, the I/O monitor streams and the system log import these
types from here and never the family that publishes them.

Numbering follows the CGIs: ``camera`` is the video channel as ``camera=`` counts it (1 is
``Image.I0``); ``port`` is the index of ``IOPort.I<n>`` (0 is ``IOPort.I0``; the ONVIF ``port``
source item counts the same way, ``io/*.cgi`` from 1); ``window`` is the number of
``Motion.M<n>``.

A *state* event (``retained`` is true) says what something is now: the bus keeps the latest one
per :attr:`Event.key` so a new listener can start from the current state of every key (an RTSP
metadata stream's ``Initialized`` messages, an I/O monitor stream's first part). Publishers
publish a state event when the state changes, and once at start for every key they own.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    """Base of everything the bus carries."""

    #: True for a state event: the bus retains the latest one per key.
    retained: ClassVar[bool] = False

    @property
    def key(self) -> Hashable:
        """What the event is about (a port, a window, a camera); ``None`` for the whole unit."""
        return None


# --------------------------------------------------------------------------- the unit


@dataclass(frozen=True, slots=True)
class Booted(Event):
    """Every service of the unit has started (published by ``Device.start``, once per start).

    A restart publishes it again on the new device's bus. The event engine's boot trigger and
    the system log listen for it.
    """

    #: The running firmware version (``Properties.Firmware.Version``).
    firmware_version: str
    #: The unit's serial number (``Properties.System.SerialNumber``).
    serial_number: str


@dataclass(frozen=True, slots=True)
class ParamGroupChanged(Event):
    """A committed change touched parameters under one top-level group (``Image``, ``Event``…).

    Published by the device from the parameter store's subscription, once per top-level group a
    commit touched, after the commit. Services follow their own configuration through
    ``ParamStore.subscribe``; this event is for runtime listeners (system log, RTSP metadata)
    that want to know that configuration changed without subscribing to the store.
    """

    #: The top-level group, e.g. ``Image``.
    group: str
    #: Full (canonical) names of the parameters whose values were set, in commit order.
    names: tuple[str, ...] = ()
    #: Dynamic groups created (``Event.E0``).
    added: tuple[str, ...] = ()
    #: Dynamic groups removed.
    removed: tuple[str, ...] = ()
    #: Who made the change (``None`` for the unit itself).
    user: str | None = None

    @property
    def key(self) -> str:
        """The top-level group."""
        return self.group


# --------------------------------------------------------------------------- I/O


class PortDirection(StrEnum):
    """Which way an I/O port works (``IOPort.I<n>.Direction``)."""

    INPUT = "input"
    OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class PortChanged(Event):
    """An I/O port's logical state (published by the I/O family; retained per port).

    ``active`` is the *logical* state, after the port's normal-state mapping: an input is
    active when its circuit is in the state ``IOPort.I<n>.Input.Trig`` names (``closed`` or
    ``open``), an output when it is in the state ``IOPort.I<n>.Output.Active`` names. It is what
    ``io/port.cgi?checkactive`` answers and what the ONVIF topics ``tns1:Device/tnsaxis:IO/Port``
    (Data ``state``) and ``tns1:Device/Trigger/Relay`` (``LogicalState``) carry.
    """

    retained: ClassVar[bool] = True

    #: Index of ``IOPort.I<n>`` (0-based).
    port: int
    direction: PortDirection
    active: bool

    @property
    def key(self) -> int:
        """The port."""
        return self.port


@dataclass(frozen=True, slots=True)
class VirtualInputChanged(Event):
    """A virtual input was activated or deactivated (by a client of the I/O family's CGI, or the
    event engine; retained per port), as ``tns1:Device/tnsaxis:IO/VirtualInput`` reports it."""

    retained: ClassVar[bool] = True

    #: The virtual input, 1-32.
    port: int
    active: bool

    @property
    def key(self) -> int:
        """The virtual input."""
        return self.port


# --------------------------------------------------------------------------- motion


@dataclass(frozen=True, slots=True)
class MotionLevel(Event):
    """A motion window's measured level (published by the motion family at its analysis rate;
    not retained: a level is a sample, not a state). ``motiondata.cgi`` streams these as
    ``group=<window>;level=<level>;threshold=<threshold>;``."""

    camera: int
    window: int
    #: Amount of motion in the window, 0-100.
    level: int
    #: The level above which the window counts as active, 0-100 (its ``Threshold``).
    threshold: int

    @property
    def key(self) -> tuple[int, int]:
        """The camera and window."""
        return (self.camera, self.window)


@dataclass(frozen=True, slots=True)
class MotionState(Event):
    """A motion window became active or inactive (published by the motion family; retained per
    window). Active means the level rose above the threshold and has not fallen back below its
    hysteresis band (``docs/motion.md``); the VMD topics of ONVIF metadata (Data ``active``) and
    the event engine's motion trigger follow it."""

    retained: ClassVar[bool] = True

    camera: int
    window: int
    active: bool

    @property
    def key(self) -> tuple[int, int]:
        """The camera and window."""
        return (self.camera, self.window)


# --------------------------------------------------------------------------- PTZ


@dataclass(frozen=True, slots=True)
class PTZMoved(Event):
    """Where a camera's PTZ head (or digital PTZ window) points (published by the PTZ family while
    it moves and when it stops; retained per camera). ``moving`` is what the ONVIF topic
    ``tns1:PTZController/tnsaxis:Move`` reports as ``is_moving``."""

    retained: ClassVar[bool] = True

    camera: int
    #: Degrees, -180 to 180 (positive to the right).
    pan: float
    #: Degrees, -90 to 90 (positive up).
    tilt: float
    #: 1 (widest) to 9999 (closest), as ``ptz.cgi`` counts.
    zoom: int
    moving: bool

    @property
    def key(self) -> int:
        """The camera."""
        return self.camera


# --------------------------------------------------------------------------- storage


class RecordingType(StrEnum):
    """Why a recording runs (``recordingtype`` of the storage CGIs' ``list.cgi``)."""

    CONTINUOUS = "continuous"
    SCHEDULED = "scheduled"
    TRIGGERED = "triggered"


@dataclass(frozen=True, slots=True)
class RecordingEvent(Event):
    """Base of the recorder's events (published by the storage family; not retained: the
    recordings index is the state). Subscribe to it for both."""

    #: The recording's id as ``list.cgi`` shows it (``recordingid``).
    recording_id: str
    camera: int
    type: RecordingType

    @property
    def key(self) -> str:
        """The recording."""
        return self.recording_id


@dataclass(frozen=True, slots=True)
class RecordingStarted(RecordingEvent):
    """The recorder opened a recording."""


@dataclass(frozen=True, slots=True)
class RecordingStopped(RecordingEvent):
    """The recorder closed a recording: its files are complete and indexed."""
