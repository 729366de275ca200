"""The event metadata stream (``event=on``): documents as Axis words them, Initialized then
Changed, and Home Assistant's ``axis`` library (v60) run unmodified against it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import axis.rtsp
import httpx
import pytest
import xmltodict
from axis.device import AxisDevice
from axis.models.configuration import Configuration
from axis.models.event import Event as AxisEvent
from axis.models.event import EventOperation, EventTopic
from axis.rtsp import Signal

from ipcamd.events import (
    DEFAULT_QUEUE_SIZE,
    MotionState,
    PortChanged,
    PortDirection,
    PTZMoved,
    VirtualInputChanged,
)
from ipcamd.rtsp.metadata import EMPTY_DOCUMENT, MotionAny, Operation, document
from tests.conftest import CameraFactory
from tests.rtsp.client import RtspClient, rtsp_camera
from tests.support import Camera
from tests.video.streams import wait_until

#: The axis library's own fixture (tests/event_fixtures.py, PORT_0_INIT) from a real device.
PORT_0_INIT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<tt:MetadataStream xmlns:tt="http://www.onvif.org/'
    b'ver10/schema">\n<tt:Event><wsnt:NotificationMessage xmlns:tns1="http://www.onvif.org/ver10/'
    b'topics" xmlns:tnsaxis="http://www.axis.com/2009/event/topics" xmlns:wsnt="http://docs.oasis'
    b'-open.org/wsn/b-2" xmlns:wsa5="http://www.w3.org/2005/08/addressing"><wsnt:Topic Dialect="'
    b'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns1:Device/tnsaxis:IO/Port</wsn'
    b"t:Topic><wsnt:ProducerReference><wsa5:Address>uri://4205c5dc-6132-44ad-9aa5-52172e062d2b/Pro"
    b'ducerReference</wsa5:Address></wsnt:ProducerReference><wsnt:Message><tt:Message UtcTime="20'
    b'19-01-15T07:50:45.206264Z" PropertyOperation="Initialized"><tt:Source><tt:SimpleItem Name="'
    b'port" Value="1"/></tt:Source><tt:Key></tt:Key><tt:Data><tt:SimpleItem Name="state" Value="0'
    b'"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></tt:Event></tt:Metadat'
    b"aStream>\n"
)


def test_documents_are_worded_as_a_real_device_words_them() -> None:
    ours = document(
        PortChanged(1, PortDirection.INPUT, False),
        Operation.INITIALIZED,
        1547538645.206264,
        "4205c5dc-6132-44ad-9aa5-52172e062d2b",
    )
    assert ours == PORT_0_INIT


@pytest.mark.parametrize(
    ("event", "topic", "source", "value", "tripped"),
    [
        (PortChanged(0, PortDirection.INPUT, True), EventTopic.PORT_INPUT, "port", "1", True),
        (
            PortChanged(3, PortDirection.OUTPUT, True),
            EventTopic.RELAY,
            "RelayToken",
            "active",
            True,
        ),
        (
            PortChanged(2, PortDirection.OUTPUT, False),
            EventTopic.RELAY,
            "RelayToken",
            "inactive",
            False,
        ),
        (MotionState(1, 0, True), EventTopic.MOTION_DETECTION_4, "", "1", True),
        (
            PTZMoved(1, 0.0, 0.0, 1, True),
            EventTopic.PTZ_IS_MOVING,
            "PTZConfigurationToken",
            "1",
            True,
        ),
    ],
)
def test_the_axis_library_decodes_every_document(
    event: PortChanged, topic: EventTopic, source: str, value: str, tripped: bool
) -> None:
    raw = document(event, Operation.CHANGED, 0.0, "ipcamd")
    assert raw is not None
    decoded = AxisEvent.decode(raw)
    assert (decoded.topic_base, decoded.source, decoded.state, decoded.is_tripped) == (
        topic,
        source,
        value,
        tripped,
    )
    assert decoded.operation is EventOperation.CHANGED


def test_virtual_inputs_and_motion_windows_name_their_key() -> None:
    virtual = document(VirtualInputChanged(5, True), Operation.CHANGED, 0.0, "x")
    assert virtual is not None
    assert b"tns1:Device/tnsaxis:IO/VirtualInput</wsnt:Topic>" in virtual
    assert b'<tt:SimpleItem Name="port" Value="5"/>' in virtual
    assert b'<tt:SimpleItem Name="active" Value="1"/>' in virtual
    motion = AxisEvent.decode(
        document(MotionState(2, 1, False), Operation.CHANGED, 0.0, "x") or b""
    )
    assert (motion.topic, motion.id, motion.is_tripped) == (
        "tnsaxis:CameraApplicationPlatform/VMD/Camera2Profile2",
        "Camera2Profile2",
        False,
    )
    assert xmltodict.parse(EMPTY_DOCUMENT)  # well-formed


async def read_document(client: RtspClient) -> tuple[str, str, list[tuple[str, str]]]:
    """The next metadata packet's topic, operation and simple items (name, value)."""
    while True:
        packet = await client.next_packet()
        if packet.channel == 0 and packet.payload != EMPTY_DOCUMENT:
            break
    assert packet.payload_type == 98
    assert packet.marker
    text = packet.payload.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<tt:MetadataStream')
    assert text.endswith("</tt:MetadataStream>\n")
    topic = re.search(r'Simple">([^<]+)</wsnt:Topic>', text)
    operation = re.search(r'PropertyOperation="(\w+)"', text)
    assert topic is not None
    assert operation is not None
    return topic.group(1), operation.group(1), re.findall(r'Name="(\w+)" Value="([^"]*)"', text)


async def test_events_start_initialized_then_changed(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    bus = camera.device.bus
    bus.publish(PortChanged(0, PortDirection.INPUT, False))
    bus.publish(PortChanged(2, PortDirection.OUTPUT, True))
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        described = await client.request(
            "DESCRIBE", client.url + "?video=0&audio=0&event=on", {"Accept": "application/sdp"}
        )
        sdp = described.body.decode().split("\r\n")
        assert "m=application 0 RTP/AVP 98" in sdp
        assert "a=rtpmap:98 vnd.onvif.metadata/90000" in sdp
        assert "m=video" not in described.body.decode()
        await client.start("?video=0&audio=0&event=on")
        first, second = await read_document(client), await read_document(client)
        assert sorted([first, second]) == [
            (
                "tns1:Device/Trigger/Relay",
                "Initialized",
                [("RelayToken", "2"), ("LogicalState", "active")],
            ),
            ("tns1:Device/tnsaxis:IO/Port", "Initialized", [("port", "0"), ("state", "0")]),
        ]
        bus.publish(PortChanged(0, PortDirection.INPUT, True))
        changed = await read_document(client)
        assert changed == (
            "tns1:Device/tnsaxis:IO/Port",
            "Changed",
            [("port", "0"), ("state", "1")],
        )
    finally:
        client.close()


# --------------------------------------------------------------------------- the axis library


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as session:
        yield session


@pytest.mark.axislib
async def test_axis_library_reports_inputs_and_relays(
    camera_factory: CameraFactory, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library connects to port 554, a constant of ``axis/rtsp.py`` read when a session
    starts: the test points it at the unit's free port (the library's code is unchanged)."""
    camera: Camera = await rtsp_camera(camera_factory)
    monkeypatch.setattr(axis.rtsp, "RTSP_PORT", camera.server.rtsp_port)
    device = AxisDevice(
        Configuration(
            client,
            "127.0.0.1",
            port=camera.server.port,
            username="root",
            password="pass",
            web_proto="http",
        )
    )
    events: list[AxisEvent] = []
    signals: list[Signal] = []
    device.event.subscribe(events.append)
    device.stream.connection_status_callback.append(signals.append)
    camera.device.bus.publish(PortChanged(1, PortDirection.INPUT, False))
    device.enable_events()
    device.stream.start()
    try:
        await wait_until(lambda: Signal.PLAYING in signals, timeout=20)
        await wait_until(lambda: len(events) >= 1, timeout=20)
        initial = events[0]
        assert (initial.topic_base, initial.id, initial.operation, initial.is_tripped) == (
            EventTopic.PORT_INPUT,
            "1",
            EventOperation.INITIALIZED,
            False,
        )
        camera.device.bus.publish(PortChanged(1, PortDirection.INPUT, True))
        camera.device.bus.publish(PortChanged(3, PortDirection.OUTPUT, True))
        await wait_until(lambda: len(events) >= 3, timeout=20)
        sensor, relay = events[1], events[2]
        assert (sensor.topic_base, sensor.id, sensor.operation, sensor.is_tripped) == (
            EventTopic.PORT_INPUT,
            "1",
            EventOperation.CHANGED,
            True,
        )
        assert (relay.topic_base, relay.id, relay.is_tripped) == (EventTopic.RELAY, "3", True)
        assert Signal.FAILED not in signals
    finally:
        device.stream.stop()
        await asyncio.sleep(0)
    handlers = camera.server.rtsp.handlers if camera.server.rtsp else None
    assert handlers is not None
    await wait_until(lambda: not handlers.sessions)


async def test_video_and_events_in_one_session(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    camera.device.bus.publish(MotionState(1, 0, False))
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        session = await client.start("?resolution=160x120&event=on")
        handlers = camera.server.rtsp.handlers if camera.server.rtsp else None
        assert handlers is not None
        tracks = handlers.sessions[session]
        assert tracks.video is not None
        assert tracks.metadata is not None
        seen: dict[int, list[bytes]] = {0: [], 2: []}
        while not (seen[0] and len(seen[2]) >= 2):
            packet = await client.next_packet()
            if packet.channel in seen:
                seen[packet.channel].append(packet.payload)
        assert seen[2][0] == EMPTY_DOCUMENT
        while len(seen[2]) < 3:
            packet = await client.next_packet()
            if packet.channel == 2:
                seen[2].append(packet.payload)
        for payload, topic in zip(seen[2][1:], (b"Profile1", b"ProfileANY"), strict=True):
            assert b"VMD/Camera1" + topic + b"</wsnt:Topic>" in payload
            assert b'PropertyOperation="Initialized"' in payload
    finally:
        client.close()


def test_profile_any_follows_every_window_of_a_camera() -> None:
    state = MotionAny()
    assert state.update(MotionState(1, 0, False)) is False  # first seen: reported
    assert state.update(MotionState(1, 0, True)) is True
    assert state.update(MotionState(1, 1, True)) is None  # still active
    assert state.update(MotionState(1, 0, False)) is None
    assert state.update(MotionState(1, 1, False)) is False
    assert state.update(MotionState(2, 0, True)) is True  # another camera
    decoded = AxisEvent.decode(MotionAny.document(2, True, Operation.CHANGED, 0.0, "x"))
    assert (decoded.topic_base, decoded.id, decoded.is_tripped) == (
        EventTopic.MOTION_DETECTION_4,
        "Camera2ProfileANY",
        True,
    )


async def test_a_stream_that_lost_events_gets_the_state_again(
    camera_factory: CameraFactory,
) -> None:
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        await client.start("?video=0&event=on")
        assert (await client.next_packet()).payload == EMPTY_DOCUMENT
        bus = camera.device.bus
        for number in range(DEFAULT_QUEUE_SIZE + 45):  # no await: the stream cannot keep up
            bus.publish(PortChanged(0, PortDirection.INPUT, number % 2 == 0))
        documents = [await read_document(client) for _ in range(DEFAULT_QUEUE_SIZE + 1)]
        # The gap is followed by the current state (active), then the events still queued.
        assert documents[0] == (
            "tns1:Device/tnsaxis:IO/Port",
            "Changed",
            [("port", "0"), ("state", "1")],
        )
        assert documents[-1] == documents[0]
        assert sum(1 for d in documents if d[2] == [("port", "0"), ("state", "1")]) == 129
    finally:
        client.close()
