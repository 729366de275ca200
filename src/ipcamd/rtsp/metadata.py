"""The ONVIF metadata stream of ``event=on``: bus events as Axis devices word them.

Each event becomes one complete ``tt:MetadataStream`` document (one RTP packet each; the
``axis`` library parses every packet as a whole document holding one notification), worded
as the library's own fixtures (taken from real devices) show:

- ``PortChanged`` of an input: ``tns1:Device/tnsaxis:IO/Port``, Source ``port`` (the
  index), Data ``state`` 0/1;
- ``PortChanged`` of an output: ``tns1:Device/Trigger/Relay``, Source ``RelayToken`` (the
  index), Data ``LogicalState`` active/inactive;
- ``VirtualInputChanged``: ``tns1:Device/tnsaxis:IO/VirtualInput``, Source ``port`` (1-32),
  Data ``active`` 0/1;
- ``MotionState``: ``tnsaxis:CameraApplicationPlatform/VMD/Camera<c>Profile<w+1>`` (window
  ``Motion.M<w>``; VMD profiles count from 1), no Source, Data ``active`` 0/1; and
  ``…/Camera<c>ProfileANY``, active while any window of the camera is (:class:`MotionAny`);
- ``PTZMoved``: ``tns1:PTZController/tnsaxis:Move/Channel_<c>``, Source
  ``PTZConfigurationToken``, Data ``is_moving`` 0/1.

Port indexes are those of ``IOPort.I<n>`` (what the library looks the port's name up by).
``PropertyOperation`` is ``Initialized`` for the state a session starts with (the bus's
retained state), ``Changed`` after. Pure functions.
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from xml.sax.saxutils import quoteattr

from ipcamd.events import (
    Event,
    MotionState,
    PortChanged,
    PortDirection,
    PTZMoved,
    VirtualInputChanged,
)

#: RTP payload type and encoding name of the metadata track (its SDP ``rtpmap``).
PAYLOAD_TYPE = 98
ENCODING = "vnd.onvif.metadata/90000"
#: Every event type the stream carries (what a session subscribes to).
EVENT_TYPES: tuple[type[Event], ...] = (PortChanged, VirtualInputChanged, MotionState, PTZMoved)

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema">\n'
)
_NAMESPACES = (
    'xmlns:tns1="http://www.onvif.org/ver10/topics" '
    'xmlns:tnsaxis="http://www.axis.com/2009/event/topics" '
    'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" '
    'xmlns:wsa5="http://www.w3.org/2005/08/addressing"'
)
_DIALECT = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple"


class Operation(StrEnum):
    """ONVIF's ``PropertyOperation`` of a state message."""

    INITIALIZED = "Initialized"
    CHANGED = "Changed"


def utc_time(unix: float) -> str:
    """``2019-02-06T18:58:50.922426Z``: the ``UtcTime`` of a message."""
    moment = datetime.datetime.fromtimestamp(unix, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _flag(active: bool) -> str:
    return "1" if active else "0"


def _item(name: str, value: str) -> str:
    return f"<tt:SimpleItem Name={quoteattr(name)} Value={quoteattr(value)}/>"


def notification(
    topic: str,
    source: tuple[str, str] | None,
    data: tuple[str, str],
    *,
    operation: Operation,
    unix: float,
    producer: str,
) -> bytes:
    """One document holding one notification message."""
    source_xml = _item(*source) if source is not None else ""
    return (
        f"{_HEAD}<tt:Event><wsnt:NotificationMessage {_NAMESPACES}>"
        f'<wsnt:Topic Dialect="{_DIALECT}">{topic}</wsnt:Topic>'
        f"<wsnt:ProducerReference><wsa5:Address>uri://{producer}/ProducerReference"
        f"</wsa5:Address></wsnt:ProducerReference>"
        f'<wsnt:Message><tt:Message UtcTime="{utc_time(unix)}" PropertyOperation="{operation}">'
        f"<tt:Source>{source_xml}</tt:Source><tt:Key></tt:Key>"
        f"<tt:Data>{_item(*data)}</tt:Data></tt:Message></wsnt:Message>"
        f"</wsnt:NotificationMessage></tt:Event></tt:MetadataStream>\n"
    ).encode()


Wording = tuple[str, tuple[str, str] | None, tuple[str, str]]


class MotionAny:
    """The ``Camera<c>ProfileANY`` state of one stream: active while any window of the camera
    is active, as Axis's VMD reports it beside each profile."""

    def __init__(self) -> None:
        self._active: dict[int, set[int]] = {}

    def knows(self, camera: int) -> bool:
        """True once a window of ``camera`` was taken (its ANY state was reported)."""
        return camera in self._active

    def update(self, event: MotionState) -> bool | None:
        """Take a window's state; the camera's new ANY state when it changed (or is new),
        else None."""
        known = event.camera in self._active
        windows = self._active.setdefault(event.camera, set())
        before = bool(windows)
        if event.active:
            windows.add(event.window)
        else:
            windows.discard(event.window)
        after = bool(windows)
        return after if (after != before or not known) else None

    @staticmethod
    def document(
        camera: int, active: bool, operation: Operation, unix: float, producer: str
    ) -> bytes:
        """The ANY document of ``camera``."""
        return notification(
            f"tnsaxis:CameraApplicationPlatform/VMD/Camera{camera}ProfileANY",
            None,
            ("active", _flag(active)),
            operation=operation,
            unix=unix,
            producer=producer,
        )


def wording(event: Event) -> Wording | None:
    """Topic, Source item and Data item of a bus event; None for one the stream omits."""
    if isinstance(event, PortChanged):
        if event.direction is PortDirection.OUTPUT:
            state = "active" if event.active else "inactive"
            return (
                "tns1:Device/Trigger/Relay",
                ("RelayToken", str(event.port)),
                (
                    "LogicalState",
                    state,
                ),
            )
        port = ("port", str(event.port))
        return "tns1:Device/tnsaxis:IO/Port", port, ("state", _flag(event.active))
    if isinstance(event, VirtualInputChanged):
        port = ("port", str(event.port))
        return "tns1:Device/tnsaxis:IO/VirtualInput", port, ("active", _flag(event.active))
    if isinstance(event, MotionState):
        profile = f"Camera{event.camera}Profile{event.window + 1}"
        topic = f"tnsaxis:CameraApplicationPlatform/VMD/{profile}"
        return topic, None, ("active", _flag(event.active))
    if isinstance(event, PTZMoved):
        token = ("PTZConfigurationToken", str(event.camera))
        topic = f"tns1:PTZController/tnsaxis:Move/Channel_{event.camera}"
        return topic, token, ("is_moving", _flag(event.moving))
    return None


def document(event: Event, operation: Operation, unix: float, producer: str) -> bytes | None:
    """The document of one bus event; None for an event the stream does not carry."""
    worded = wording(event)
    if worded is None:
        return None
    topic, source, data = worded
    return notification(topic, source, data, operation=operation, unix=unix, producer=producer)
