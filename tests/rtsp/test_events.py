"""The event metadata stream (``event=on``): documents as Axis words them, Initialized then
Changed, and Home Assistant's ``axis`` library (v60) run unmodified against it."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import axis.rtsp
import httpx
import pytest
import xmltodict
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
from ipcamd.rtsp.metadata import MotionAny, Operation, document
from tests.conftest import CameraFactory
from tests.http.test_axis_library import axis_device
from tests.motion.helpers import OBJECT_AREA, add_window, box, moving_object, scene, state_until
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
    assert xmltodict.parse(virtual)  # well-formed


Document = tuple[str, str, list[tuple[str, str]]]

INPUT = "tns1:Device/tnsaxis:IO/Port"
RELAY = "tns1:Device/Trigger/Relay"
VIRTUAL = "tns1:Device/tnsaxis:IO/VirtualInput"
VMD = "tnsaxis:CameraApplicationPlatform/VMD/Camera1"
INITIALIZED, CHANGED = "Initialized", "Changed"
INIT, CHANGE = EventOperation.INITIALIZED, EventOperation.CHANGED


def port(operation: str, index: int, active: bool) -> Document:
    """An input's document as the stream words it."""
    return INPUT, operation, [("port", str(index)), ("state", "1" if active else "0")]


def relay(operation: str, index: int, active: bool) -> Document:
    """An output's document."""
    state = "active" if active else "inactive"
    return RELAY, operation, [("RelayToken", str(index)), ("LogicalState", state)]


def virtual(operation: str, number: int, active: bool) -> Document:
    """A virtual input's document."""
    return VIRTUAL, operation, [("port", str(number)), ("active", "1" if active else "0")]


def motion(operation: str, profile: str, active: bool) -> Document:
    """A VMD profile's document of camera 1 (``1`` for window M0, ``ANY``)."""
    return VMD + "Profile" + profile, operation, [("active", "1" if active else "0")]


def unit_state(
    operation: str,
    *,
    inputs: tuple[int, ...] = (),
    outputs: tuple[int, ...] = (),
    virtuals: tuple[int, ...] = (),
) -> list[Document]:
    """Every key a default unit (2 inputs, 2 outputs, 32 virtual inputs) reports, sorted; the
    ones named active."""
    documents = [port(operation, i, i in inputs) for i in (0, 1)]
    documents += [relay(operation, i, i in outputs) for i in (2, 3)]
    documents += [virtual(operation, n, n in virtuals) for n in range(1, 33)]
    return sorted(documents)


async def read_document(client: RtspClient, channel: int = 0) -> Document:
    """The next metadata packet on ``channel``: its topic, operation and simple items."""
    while True:
        packet = await client.next_packet()
        if packet.channel == channel:
            break
    assert packet.payload_type == 98
    assert packet.marker
    text = packet.payload.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<tt:MetadataStream')
    assert text.endswith("</tt:MetadataStream>\n")
    assert AxisEvent.decode(packet.payload).topic_base  # the library reads every one
    topic = re.search(r'Simple">([^<]+)</wsnt:Topic>', text)
    operation = re.search(r'PropertyOperation="(\w+)"', text)
    assert topic is not None
    assert operation is not None
    return topic.group(1), operation.group(1), re.findall(r'Name="(\w+)" Value="([^"]*)"', text)


async def read_documents(client: RtspClient, count: int, channel: int = 0) -> list[Document]:
    """The next ``count`` metadata documents on ``channel``, in the order they came."""
    return [await read_document(client, channel) for _ in range(count)]


async def ok(camera: Camera, path: str, expected: str = "") -> None:
    """A request that must succeed (its body, when ``expected`` is given, exactly that)."""
    reply = await camera.get(path)
    assert reply.status == 200, reply.text
    if expected:
        assert reply.text == expected, reply.text


async def set_input(camera: Camera, number: int, active: bool) -> None:
    """An input's wire, as a script drives it (``number`` as port.cgi counts)."""
    state = "active" if active else "inactive"
    await ok(camera, f"/ipcamd/io/input.cgi?port={number}&state={state}", "OK\r\n")


async def activate_virtual(camera: Camera, number: int, active: bool) -> None:
    verb = "activate" if active else "deactivate"
    await ok(camera, f"/axis-cgi/virtualinput/{verb}.cgi?schemaversion=1&port={number}")


async def test_events_start_initialized_then_changed(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    await set_input(camera, 1, True)  # IOPort.I0
    await ok(camera, "/axis-cgi/io/port.cgi?action=4%3A%2F")  # port 4 is IOPort.I3, active
    await activate_virtual(camera, 5, True)
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
        # Every state once, Initialized; nothing before them (no empty document).
        initial = await read_documents(client, 36)
        assert sorted(initial) == unit_state(INITIALIZED, inputs=(0,), outputs=(3,), virtuals=(5,))
        # Then each change once, Changed, in the order they happened, and nothing else.
        await set_input(camera, 2, True)
        assert await read_document(client) == port(CHANGED, 1, True)
        await ok(camera, "/axis-cgi/io/output.cgi?action=1:/")  # output 1 is IOPort.I2
        assert await read_document(client) == relay(CHANGED, 2, True)
        await activate_virtual(camera, 5, False)
        assert await read_document(client) == virtual(CHANGED, 5, False)
        await set_input(camera, 1, False)
        assert await read_document(client) == port(CHANGED, 0, False)
    finally:
        client.close()


# --------------------------------------------------------------------------- the axis library


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as session:
        yield session


def summary(event: AxisEvent) -> tuple[EventTopic, str, EventOperation, bool]:
    """What Home Assistant's binary sensors take from an event."""
    return event.topic_base, event.id, event.operation, event.is_tripped


@pytest.mark.axislib
async def test_axis_library_reports_inputs_relays_and_motion(
    camera_factory: CameraFactory,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The library connects to port 554, a constant of ``axis/rtsp.py`` read when a session
    starts: the test points it at the unit's free port (the library's code is unchanged).

    It decodes every packet in its datagram callback; a document it cannot decode would be a
    traceback logged by asyncio, so the test also checks that nothing was logged as an error.
    """
    camera: Camera = await rtsp_camera(camera_factory)
    monkeypatch.setattr(axis.rtsp, "RTSP_PORT", camera.server.rtsp_port)
    device = axis_device(camera, client)
    await device.vapix.initialize()  # the ports, as Home Assistant reads them first
    events: list[AxisEvent] = []
    signals: list[Signal] = []
    device.event.subscribe(events.append)
    device.stream.connection_status_callback.append(signals.append)
    await set_input(camera, 2, True)
    await scene(camera, "pattern=still")
    device.enable_events()
    device.stream.start()
    try:
        await wait_until(lambda: Signal.PLAYING in signals, timeout=20)
        # The ports' states (the library ignores virtual inputs, whose topic it does not know).
        await wait_until(lambda: len(events) >= 4, timeout=20)
        assert sorted(summary(e) for e in events) == sorted(
            [
                (EventTopic.PORT_INPUT, "0", INIT, False),
                (EventTopic.PORT_INPUT, "1", INIT, True),
                (EventTopic.RELAY, "2", INIT, False),
                (EventTopic.RELAY, "3", INIT, False),
            ]
        )
        del events[:]
        await set_input(camera, 1, True)
        await wait_until(lambda: len(events) >= 1, timeout=20)
        await device.vapix.ports.close("2")  # Home Assistant's switch: port.cgi?action=3:/
        await wait_until(lambda: len(events) >= 2, timeout=20)
        assert [summary(e) for e in events] == [
            (EventTopic.PORT_INPUT, "0", CHANGE, True),
            (EventTopic.RELAY, "2", CHANGE, True),
        ]
        del events[:]
        # A motion window appears (Initialized, inactive), then sees the scene's object.
        window = await add_window(camera, **box(OBJECT_AREA), History=0, Threshold=15)
        await wait_until(lambda: len(events) >= 2, timeout=30)
        assert sorted(summary(e) for e in events) == [
            (EventTopic.MOTION_DETECTION_4, f"Camera1Profile{window + 1}", INIT, False),
            (EventTopic.MOTION_DETECTION_4, "Camera1ProfileANY", INIT, False),
        ]
        del events[:]
        await moving_object(camera)
        await wait_until(lambda: len(events) >= 2, timeout=30)
        assert [summary(e) for e in events] == [
            (EventTopic.MOTION_DETECTION_4, f"Camera1Profile{window + 1}", CHANGE, True),
            (EventTopic.MOTION_DETECTION_4, "Camera1ProfileANY", CHANGE, True),
        ]
        assert Signal.FAILED not in signals
    finally:
        device.stream.stop()
        await asyncio.sleep(0)
    handlers = camera.server.rtsp.handlers if camera.server.rtsp else None
    assert handlers is not None
    await wait_until(lambda: not handlers.sessions)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_video_and_events_in_one_session(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    await scene(camera, "pattern=still")
    window = await add_window(camera, **box(OBJECT_AREA), History=0, Threshold=15)
    assert window == 0
    await state_until(camera, window, active=False)  # the detector has seen the window
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        session = await client.start("?resolution=160x120&event=on")
        handlers = camera.server.rtsp.handlers if camera.server.rtsp else None
        assert handlers is not None
        tracks = handlers.sessions[session]
        assert tracks.video is not None
        assert tracks.metadata is not None
        initial = await read_documents(client, 38, channel=2)
        expected = unit_state(INITIALIZED)
        expected += [motion(INITIALIZED, "1", False), motion(INITIALIZED, "ANY", False)]
        assert sorted(initial) == sorted(expected)
        await moving_object(camera)
        assert await read_documents(client, 2, channel=2) == [
            motion(CHANGED, "1", True),
            motion(CHANGED, "ANY", True),
        ]
        # The video track played beside them, from a keyframe.
        units = await client.access_units(1, channel=0)
        assert units
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
        assert sorted(await read_documents(client, 36)) == unit_state(INITIALIZED)
        # The virtual inputs' own service (what an action rule drives), many times without
        # yielding to the loop: the stream cannot read its queue in between, and overflows.
        inputs = camera.device.virtual_inputs
        count = DEFAULT_QUEUE_SIZE + 45
        for number in range(count):
            assert (inputs.activate if number % 2 == 0 else inputs.deactivate)(1)
        # The gap is followed by the current state of every key, then the events still queued.
        again = await read_documents(client, 36)
        assert sorted(again) == unit_state(CHANGED, virtuals=(1,))
        queued = await read_documents(client, DEFAULT_QUEUE_SIZE)
        assert queued == [virtual(CHANGED, 1, n % 2 == 0) for n in range(45, count)]
        await set_input(camera, 1, True)  # and nothing else came in between
        assert await read_document(client) == port(CHANGED, 0, True)
    finally:
        client.close()
