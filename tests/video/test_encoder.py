"""The Encoder interface: one encoder per profile, keyed by codec, frames in order, a
keyframe asked for whenever a consumer joins; the JPEG and grey encoders."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
import simplejpeg

from ipcamd.video.encoder import ENCODERS, Encoded, Encoder, GreyEncoder, JpegEncoder, JpegFrame
from ipcamd.video.frame import Planes, solid
from ipcamd.video.hub import StreamHub
from ipcamd.video.mjpeg import multipart_part
from ipcamd.video.osd import TextPainter
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer
from ipcamd.video.render import Codec, RenderSpec
from tests.video.streams import jpeg_size, wait_until


class RecordingEncoder(Encoder):
    """A codec with keyframes, as H.264 will be: records what the profile asks of it."""

    codec = Codec.JPEG

    def __init__(self, log: list[RecordingEncoder]) -> None:
        log.append(self)
        self.keyframes_requested = 0
        self._keyframe_due = False
        self.encoded: list[int] = []
        self.closed = False
        self.concurrent = 0
        self.most_concurrent = 0
        self._lock = threading.Lock()
        #: Cleared by a test to hold every encode until it is set again.
        self.gate = threading.Event()
        self.gate.set()

    def encode(self, planes: Planes, seq: int, when: float) -> Encoded:
        with self._lock:
            self.concurrent += 1
            self.most_concurrent = max(self.most_concurrent, self.concurrent)
        self.gate.wait()
        keyframe, self._keyframe_due = self._keyframe_due, False
        self.encoded.append(seq)
        with self._lock:
            self.concurrent -= 1
        return Encoded(seq, when, bytes([planes.y[0, 0]]), keyframe=keyframe)

    def request_keyframe(self) -> None:
        self.keyframes_requested += 1
        self._keyframe_due = True

    def close(self) -> None:
        self.closed = True


@pytest.fixture
async def hub_with() -> AsyncIterator[tuple[StreamHub, Producer, list[RecordingEncoder]]]:
    made: list[RecordingEncoder] = []
    encoders = {**ENCODERS, Codec.JPEG: lambda _spec: RecordingEncoder(made)}
    producer = Producer("1")
    executor = FramePool(4)
    hub = StreamHub(lambda _name: producer, executor, TextPainter(), lambda: 0, encoders)
    yield hub, producer, made
    hub.close()
    executor.shutdown()


def test_an_encoder_must_implement_the_interface() -> None:
    class Half(Encoder):
        codec = Codec.JPEG

        def encode(self, planes: Planes, seq: int, when: float) -> Encoded:
            return Encoded(seq, when, b"")

    with pytest.raises(TypeError, match="abstract"):
        Half()  # type: ignore[abstract]


def test_jpeg_encoder_makes_the_jpeg_and_its_multipart_part() -> None:
    planes = solid(64, 48, 100)
    frame = JpegEncoder(quality=80).encode(planes, 7, 123.5)
    assert isinstance(frame, JpegFrame)
    assert (frame.seq, frame.time, frame.keyframe) == (7, 123.5, True)
    assert frame.jpeg == frame.data
    assert jpeg_size(frame.jpeg) == (64, 48)
    assert frame.part == multipart_part(frame.jpeg)
    grey = simplejpeg.decode_jpeg(frame.jpeg, colorspace="GRAY")
    assert abs(float(grey.mean()) - 100) < 2


def test_jpeg_quality_follows_the_spec() -> None:
    planes = Planes(
        np.random.default_rng(1).integers(0, 255, (48, 64), dtype=np.uint8),
        np.full((24, 32), 128, np.uint8),
        np.full((24, 32), 128, np.uint8),
    )
    fine = ENCODERS[Codec.JPEG](RenderSpec("1", 64, 48, compression=0)).encode(planes, 1, 0.0)
    coarse = ENCODERS[Codec.JPEG](RenderSpec("1", 64, 48, compression=90)).encode(planes, 1, 0.0)
    assert len(coarse.data) < len(fine.data)


def test_grey_encoder_gives_the_luma_bytes() -> None:
    y = np.arange(48 * 64, dtype=np.uint32).reshape(48, 64).astype(np.uint8)
    planes = Planes(y, np.zeros((24, 32), np.uint8), np.zeros((24, 32), np.uint8))
    encoded = GreyEncoder().encode(planes, 3, 1.0)
    assert encoded.data == y.tobytes()
    assert (encoded.part, encoded.keyframe) == (b"", True)


async def test_profiles_are_keyed_by_codec(
    hub_with: tuple[StreamHub, Producer, list[RecordingEncoder]],
) -> None:
    hub, producer, made = hub_with
    jpeg, grey = RenderSpec("1", 32, 24, 30), RenderSpec("1", 32, 24, 30, codec=Codec.GREY)
    with hub.attach("a") as a, hub.attach("b") as b:
        first, second = a.use(jpeg), b.use(grey)
        assert hub.profiles == 2
        assert first is not second
        assert isinstance(second.encoder, GreyEncoder)
        producer.publish(solid(64, 48, 77), when=1.0)
        from_jpeg, from_grey = await asyncio.gather(first.next(0), second.next(0))
    assert from_jpeg.data == bytes([77])  # the recording encoder's output
    assert from_grey.data == bytes([77]) * (32 * 24)
    assert len(made) == 1
    assert made[0].closed  # the profile ended with its last consumer


async def test_a_joining_consumer_asks_for_a_keyframe(
    hub_with: tuple[StreamHub, Producer, list[RecordingEncoder]],
) -> None:
    hub, producer, made = hub_with
    spec = RenderSpec("1", 32, 24, 30)
    with hub.attach("first") as first:
        profile = first.use(spec)
        [encoder] = made
        assert encoder.keyframes_requested == 1
        producer.publish(solid(64, 48, 10), when=1.0)
        assert (await profile.next(0)).keyframe
        producer.publish(solid(64, 48, 20), when=2.0)
        assert not (await profile.next(1)).keyframe
        with hub.attach("second") as second:
            assert second.use(spec) is profile
            assert encoder.keyframes_requested == 2
            producer.publish(solid(64, 48, 30), when=3.0)
            assert (await profile.next(2)).keyframe


async def test_frames_reach_the_encoder_one_at_a_time_in_order(
    hub_with: tuple[StreamHub, Producer, list[RecordingEncoder]],
) -> None:
    hub, producer, made = hub_with
    spec = RenderSpec("1", 32, 24, 30)
    got: list[list[int]] = [[] for _ in range(6)]

    async def viewer(seqs: list[int]) -> None:
        with hub.attach("viewer") as handle:
            profile = handle.use(spec)
            seq = 0
            while seq < 40:
                seq = (await profile.next(seq)).seq
                seqs.append(seq)

    tasks = [asyncio.create_task(viewer(seqs)) for seqs in got]
    for n in range(40):
        producer.publish(solid(64, 48, n), when=float(n))
        await asyncio.sleep(0)
    await wait_until(lambda: all(seqs and seqs[-1] == 40 for seqs in got))
    await asyncio.gather(*tasks)
    [encoder] = made
    assert encoder.encoded == sorted(set(encoder.encoded))
    assert encoder.most_concurrent == 1


class CountingPool(FramePool):
    """A video pool that counts the jobs handed to it (on the caller's thread, at once)."""

    posted = 0

    def post(self, *args: Any) -> None:
        self.posted += 1
        super().post(*args)


async def test_a_consumer_past_the_frame_in_the_encoder_waits_for_it() -> None:
    # A snapshot after a view move asks for a frame after the one being encoded (its number
    # is below the view's fresh_from): the newer frame is encoded after it, never beside it
    # (two frames at once in one encoder would mix the rows a JPEG profile keeps, or break
    # an H.264 encoder's state).
    made: list[RecordingEncoder] = []
    encoders = {**ENCODERS, Codec.JPEG: lambda _spec: RecordingEncoder(made)}
    producer = Producer("1")
    pool = CountingPool(4)
    hub = StreamHub(lambda _name: producer, pool, TextPainter(), lambda: 0, encoders)
    spec = RenderSpec("1", 32, 24, 30)
    with hub.attach("stream") as a, hub.attach("snapshot") as b:
        first, second = a.use(spec), b.use(spec)
        [encoder] = made
        encoder.gate.clear()
        try:
            producer.publish(solid(64, 48, 1), when=1.0)
            streamed = asyncio.create_task(first.next(0))
            await wait_until(lambda: encoder.concurrent == 1)
            producer.publish(solid(64, 48, 2), when=2.0)
            snapshot = asyncio.create_task(second.next(1))
            for _ in range(3):
                await asyncio.sleep(0)  # the snapshot's task runs up to where it waits
            assert pool.posted == 1
            encoder.gate.set()
            assert (await streamed).data == bytes([1])
            assert (await snapshot).data == bytes([2])
            assert encoder.encoded == [1, 2]
            assert encoder.most_concurrent == 1
        finally:
            encoder.gate.set()  # nothing left blocked when the test fails
            hub.close()
            pool.shutdown()
