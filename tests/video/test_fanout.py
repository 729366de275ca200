"""Frame-rate profiles: one schedule for all viewers, each chosen frame encoded once."""

from __future__ import annotations

import asyncio
import itertools
import socket
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from ipcamd.video.encoder import Encoded
from ipcamd.video.fanout import SEND_BUFFER, WATCH_PARTS, MjpegSender
from ipcamd.video.frame import solid
from ipcamd.video.hub import StreamHub
from ipcamd.video.mjpeg import multipart_part
from ipcamd.video.osd import TextPainter
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer, StreamClosed
from ipcamd.video.profile import Profile
from ipcamd.video.render import RenderSpec
from tests.support import ROOT_PASSWORD, Camera
from tests.video.streams import RecordingTransport, open_stream, wait_until


@pytest.fixture
async def hub() -> AsyncIterator[tuple[StreamHub, Producer]]:
    producer = Producer("1")
    executor = FramePool(2)
    hub = StreamHub(lambda _name: producer, executor, TextPainter(), lambda: 0)
    yield hub, producer
    hub.close()
    executor.shutdown()


async def watch(hub: StreamHub, spec: RenderSpec, got: list[Encoded]) -> None:
    """One viewer: every frame it is given, until the stream closes."""
    with hub.attach("test viewer") as viewer:
        profile = viewer.use(spec)
        seq = 0
        try:
            while True:
                encoded = await profile.next(seq)
                got.append(encoded)
                seq = encoded.seq
        except StreamClosed:
            return


def profile_of(hub: StreamHub, spec: RenderSpec) -> Profile:
    """The live profile of ``spec`` (its viewers are watching)."""
    profile = hub._profiles[spec]
    assert profile.users
    return profile


async def play(
    producer: Producer, viewers: list[tuple[Profile, list[Encoded]]], rate: float, count: int
) -> None:
    """Publish ``count`` frames stamped ``rate`` per second apart; after each, wait until every
    viewer has been given the newest frame its profile chose, so none can be skipped."""
    start = 1_000_000.0
    for n in range(count):
        planes = solid(64, 48, 16 + (n * 7) % 200)
        producer.publish(planes, when=start + n / rate)
        await wait_until(
            lambda: all(got and got[-1].seq >= profile.chosen_seq for profile, got in viewers)
        )


async def test_viewers_of_a_rate_limited_profile_share_one_schedule(
    hub: tuple[StreamHub, Producer],
) -> None:
    stream_hub, producer = hub
    spec = RenderSpec("1", 32, 24, 30, fps=15)
    viewers: list[list[Encoded]] = [[] for _ in range(5)]
    tasks = [asyncio.create_task(watch(stream_hub, spec, got)) for got in viewers]
    await wait_until(lambda: stream_hub.viewers == 5)
    profile = profile_of(stream_hub, spec)
    # Two seconds of a 30 fps source.
    await play(producer, [(profile, got) for got in viewers], rate=30, count=60)
    stream_hub.close()
    await asyncio.gather(*tasks)
    assert stream_hub.profiles == 0
    expected = list(range(1, 61, 2))  # every other frame, the same for everyone
    for got in viewers:
        assert [encoded.seq for encoded in got] == expected
        assert [encoded.jpeg for encoded in got] == [e.jpeg for e in viewers[0]]
    assert stream_hub.encodes == len(expected)  # 15 per second of source, not 30, not 5 x 15


async def test_a_slower_source_has_every_frame_delivered(hub: tuple[StreamHub, Producer]) -> None:
    stream_hub, producer = hub
    viewers: list[list[Encoded]] = [[] for _ in range(3)]
    spec = RenderSpec("1", 32, 24, 30, fps=25)
    tasks = [asyncio.create_task(watch(stream_hub, spec, got)) for got in viewers]
    await wait_until(lambda: stream_hub.viewers == 3)
    profile = profile_of(stream_hub, spec)
    await play(producer, [(profile, got) for got in viewers], rate=10, count=20)
    stream_hub.close()
    await asyncio.gather(*tasks)
    for got in viewers:
        assert [encoded.seq for encoded in got] == list(range(1, 21))  # none twice, none lost
    assert stream_hub.encodes == 20


async def test_another_rate_is_another_profile(hub: tuple[StreamHub, Producer]) -> None:
    stream_hub, producer = hub
    viewers: list[list[Encoded]] = [[], [], []]
    specs = [RenderSpec("1", 32, 24, 30, fps=f) for f in (15, 10, 0)]
    tasks = [
        asyncio.create_task(watch(stream_hub, spec, got))
        for spec, got in zip(specs, viewers, strict=True)
    ]
    await wait_until(lambda: stream_hub.viewers == 3)
    assert stream_hub.profiles == 3
    watched = [(profile_of(stream_hub, s), got) for s, got in zip(specs, viewers, strict=True)]
    await play(producer, watched, rate=30, count=30)
    stream_hub.close()
    await asyncio.gather(*tasks)
    fifteen, ten, every = ([e.seq for e in got] for got in viewers)
    assert fifteen == list(range(1, 31, 2))
    assert ten == list(range(1, 31, 3))
    assert every == list(range(1, 31))
    assert stream_hub.encodes == 15 + 10 + 30


async def _bodies(response: aiohttp.ClientResponse, count: int) -> list[bytes]:
    reader = aiohttp.MultipartReader.from_response(response)
    bodies = []
    for _ in range(count):
        part = await asyncio.wait_for(reader.next(), 10)
        assert isinstance(part, aiohttp.BodyPartReader)
        bodies.append(bytes(await part.read()))
    return bodies


async def test_fps_viewers_over_http_cost_one_encode_per_chosen_frame(camera: Camera) -> None:
    """Four ``fps=5`` viewers of the 30 fps test pattern: 5 encodes a second, shared bytes."""
    video = camera.device.video
    hub = video.hub
    path = "/mjpg/video.mjpg?resolution=QQVGA&fps=5"
    async with (
        open_stream(camera, path) as a,
        open_stream(camera, path) as b,
        open_stream(camera, path) as c,
        open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA&req_fps=5") as d,
    ):
        responses = [a, b, c, d]
        await asyncio.gather(*(_bodies(r, 1) for r in responses))
        assert hub.profiles == 1  # fps and req_fps ask the same thing
        producer = video.producer("1")
        assert producer.latest is not None
        loop = asyncio.get_running_loop()
        started, seq_before, encodes_before = loop.time(), producer.latest.seq, hub.encodes
        received = await asyncio.gather(*(_bodies(r, 8) for r in responses))
        elapsed = loop.time() - started
        source_frames = producer.latest.seq - seq_before
        encodes = hub.encodes - encodes_before
        async with open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA&fps=10") as other:
            await _bodies(other, 1)
            assert hub.profiles == 2  # another rate, another profile
    assert source_frames >= 30 * elapsed * 0.5  # the source did run much faster than 5 fps
    assert encodes <= 5 * elapsed + 2
    assert encodes < source_frames / 3
    # Everyone got the same frames in the same order (one viewer may be a frame ahead).
    first = received[0]
    for bodies in received[1:]:
        common = [body for body in bodies if body in first]
        assert len(common) >= 7
        indexes = [first.index(body) for body in common]
        assert indexes == list(range(indexes[0], indexes[0] + len(indexes)))


async def test_a_live_fps_change_moves_the_stream_to_the_new_rate(camera: Camera) -> None:
    video = camera.device.video
    async with open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA") as response:
        await _bodies(response, 2)
        reply = await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.FPS=5")
        assert reply.text == "OK\r\n"
        await _bodies(response, 2)  # the stream has switched to the 5 fps profile by now
        producer = video.producer("1")
        assert producer.latest is not None
        seq_before, encodes_before = producer.latest.seq, video.hub.encodes
        await _bodies(response, 6)
        source_frames = producer.latest.seq - seq_before
        encodes = video.hub.encodes - encodes_before
    await wait_until(lambda: video.hub.profiles == 0)  # the viewer left: nothing runs
    assert 5 <= encodes <= 7  # the frames this viewer got, and at most one more in flight
    assert source_frames >= 3 * encodes  # the 30 fps camera ran on meanwhile


# ----------------------------------------------------------------- the sending side


async def slow_connection(camera: Camera, path: str) -> socket.socket:
    """A raw streaming GET on a socket with a tiny receive buffer (a reader that is slow, or
    stalled, keeps the server's part waiting as soon as it stops reading)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", camera.server.port))
    auth = aiohttp.encode_basic_auth("root", ROOT_PASSWORD)
    request = f"GET {path} HTTP/1.0\r\nAuthorization: {auth}\r\n\r\n"
    await loop.sock_sendall(sock, request.encode())
    return sock


async def read_exactly(sock: socket.socket, count: int) -> bytes:
    loop = asyncio.get_running_loop()
    data = bytearray()
    while len(data) < count:
        chunk = await asyncio.wait_for(loop.sock_recv(sock, count - len(data)), 10)
        assert chunk, "the server closed the stream"
        data += chunk
    return bytes(data)


async def read_until(sock: socket.socket, mark: bytes) -> bytes:
    data = b""
    while not data.endswith(mark):
        data += await read_exactly(sock, 1)
    return data


async def read_part(sock: socket.socket) -> bytes:
    """The next part's JPEG (the stream positioned after a boundary line)."""
    head = await read_until(sock, b"\r\n\r\n")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    jpeg = await read_exactly(sock, length)
    assert await read_exactly(sock, 16) == b"\r\n--myboundary\r\n"
    return jpeg


def record_encodes(profile: Profile) -> dict[bytes, int]:
    """From now on, every JPEG the profile encodes → its frame number."""
    seqs: dict[bytes, int] = {}
    encode = profile.encoder.encode

    def recording(planes: object, seq: int, when: float) -> Encoded:
        encoded = encode(planes, seq, when)  # type: ignore[arg-type]
        seqs[encoded.data] = seq
        return encoded

    profile.encoder.encode = recording  # type: ignore[method-assign]
    return seqs


def queued_on_server(transport: asyncio.WriteTransport) -> int:
    """Bytes written to ``transport`` that have not left the server: in the transport, and
    unsent in the kernel (``tcpi_notsent_bytes``, at offset 144 of Linux's ``tcp_info``)."""
    info = transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 148)
    return transport.get_write_buffer_size() + int.from_bytes(info[144:148], sys.byteorder)


async def test_a_slow_reader_skips_to_the_newest_frame(camera: Camera) -> None:
    """A reader that takes a part only after ten more frames went by is not sent every frame
    in order (they would queue up): its frames jump ahead, and what waits for it on the
    server, in the transport and in the kernel together, is at most one part."""
    video = camera.device.video
    path = "/mjpg/video.mjpg?resolution=640x480"
    sock = await slow_connection(camera, path)
    try:
        await read_until(sock, b"\r\n\r\n--myboundary\r\n")  # the head, the opening delimiter
        await read_part(sock)  # the first part
        profile = video.hub.profile(video.options(None, {"resolution": "640x480"}).spec)
        assert profile is not None
        seqs = record_encodes(profile)
        (sender,) = profile.senders
        server_socket = sender.transport.get_extra_info("socket")
        assert server_socket.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) <= 2 * SEND_BUFFER
        got: list[int] = []
        for _ in range(8):
            await wait_until(lambda: profile.chosen_seq >= (got[-1] if got else 0) + 10)
            # Ten frames went by unread: only what is left of the part it was given waits.
            largest = len(multipart_part(max(seqs, key=len)))
            assert queued_on_server(sender.transport) <= largest
            jpeg = await read_part(sock)
            if jpeg in seqs:
                got.append(seqs[jpeg])
    finally:
        sock.close()
    assert len(got) >= 6  # frames encoded after the recording started
    assert got == sorted(set(got))  # in order, none twice
    gaps = [b - a for a, b in itertools.pairwise(got)]
    assert max(gaps) >= 5, gaps  # it skipped what it was too slow for


async def test_stalled_readers_lose_their_slots(camera: Camera) -> None:
    """Streams that are never read hold every slot only until they count as stalled: then
    they are dropped and a new snapshot is served."""
    video = camera.device.video
    hub = video.hub
    hub.stall_timeout = 3600.0  # held for now, whatever the machine's speed
    await camera.get("/axis-cgi/param.cgi?action=update&Image.MaxViewers=3")
    sockets = [await slow_connection(camera, "/mjpg/video.mjpg") for _ in range(3)]
    try:
        await wait_until(lambda: hub.viewers == 3)
        profile = hub.profile(video.options(None, {}).spec)
        assert profile is not None
        await wait_until(lambda: len(profile.senders) == 3)
        senders = list(profile.senders)
        # None reads: each ends up with a part that cannot go out (the kernel holds it).
        await wait_until(lambda: all(s.busy for s in senders))
        assert (await camera.get("/jpg/image.jpg")).status == 503
        hub.stall_timeout = 0.2  # running streams included
        await wait_until(lambda: hub.viewers == 0)
        assert [s.reason for s in senders] == ["stalled"] * 3
        assert (await camera.get("/jpg/image.jpg")).status == 200
    finally:
        for sock in sockets:
            sock.close()


class FakeKernel:
    """A viewer's kernel queue that says what the test wants, and counts how often it is
    asked (each time is a system call for a real one)."""

    def __init__(self) -> None:
        self.queued = 0
        self.asked = 0

    def unsent(self) -> int:
        self.asked += 1
        return self.queued


async def test_the_kernel_is_asked_while_a_viewer_is_new_or_lately_slow() -> None:
    """A part goes out only when the kernel has sent the last one; a viewer that keeps up
    stops being checked after WATCH_PARTS parts, one that falls behind is checked again."""
    transport = RecordingTransport()
    sender = MjpegSender(transport)
    kernel = FakeKernel()
    sender._kernel = kernel  # type: ignore[assignment]
    seqs = itertools.count(1)

    def offer() -> bool:
        """Offer the next part; True when it was written."""
        before = len(transport.chunks)
        sender.offer(Encoded(next(seqs), 0.0, b"jpeg", b"part"), 0.0)
        return len(transport.chunks) > before

    kernel.queued = 100
    assert not offer()  # new: asked, and the kernel still holds the last part
    assert sender.busy
    kernel.queued = 0
    assert all(offer() for _ in range(WATCH_PARTS))
    asked = kernel.asked
    assert all(offer() for _ in range(3 * WATCH_PARTS))  # it keeps up: no longer asked
    assert kernel.asked == asked
    transport.pending = 10  # a part did not fit: slow again
    assert not offer()
    transport.pending = 0
    kernel.queued = 100
    assert not offer()  # watched again: the kernel's part holds the next one back
    assert kernel.asked == asked + 1
    kernel.queued = 0
    assert offer()
