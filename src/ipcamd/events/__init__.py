"""Runtime events: one typed in-process bus per unit, and the event types of every family.

Configuration travels through the parameter store; everything that *happens* (a port changes,
motion starts, a PTZ head moves, a recording starts, the unit boots) is published here, and any
number of listeners subscribe without knowing who publishes. See :mod:`ipcamd.events.bus` for
the delivery guarantees and :mod:`ipcamd.events.types` for what each event means.
"""

from ipcamd.events.bus import DEFAULT_QUEUE_SIZE, EventBus, Missed, Subscription
from ipcamd.events.types import (
    Booted,
    Event,
    MotionLevel,
    MotionState,
    ParamGroupChanged,
    PortChanged,
    PortDirection,
    PTZMoved,
    RecordingEvent,
    RecordingStarted,
    RecordingStopped,
    RecordingType,
    VirtualInputChanged,
)

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "Booted",
    "Event",
    "EventBus",
    "Missed",
    "MotionLevel",
    "MotionState",
    "PTZMoved",
    "ParamGroupChanged",
    "PortChanged",
    "PortDirection",
    "RecordingEvent",
    "RecordingStarted",
    "RecordingStopped",
    "RecordingType",
    "Subscription",
    "VirtualInputChanged",
]
