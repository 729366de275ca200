"""VideoService.open_stream: a subscription that follows Image.* and setosd.cgi by itself,
ends when its channel is switched off, and gives the MJPEG body's bytes; snapshots."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import simplejpeg

from ipcamd.access import AccessLevel
from ipcamd.errors import Busy, Disabled, InvalidParameter, NotFound
from ipcamd.video.consumers import ConsumerKind
from ipcamd.video.mjpeg import CLOSE_DELIMITER, DELIMITER, multipart_part
from ipcamd.video.render import RenderSpec
from ipcamd.video.service import VideoService
from tests.support import Camera
from tests.video.streams import RecordingTransport, jpeg_size, wait_until


async def update(video: VideoService, name: str, value: str) -> None:
    await video.params.async_update([(name, value)], AccessLevel.ROOT)


def top_band(jpeg: bytes) -> float:
    return float(simplejpeg.decode_jpeg(jpeg, colorspace="GRAY")[:6].mean())


async def test_a_subscription_follows_a_resolution_change(camera: Camera) -> None:
    video = camera.device.video
    with video.open_stream("1", {}, name="viewer test") as stream:
        assert jpeg_size((await stream.next()).data) == (640, 480)
        await update(video, "Image.I0.Resolution", "QCIF")
        # The frame after the change has the new settings (no frame of the old profile).
        assert jpeg_size((await stream.next()).data) == (160, 120)
        assert stream.options.spec.width == 160
        assert video.hub.profiles == 1
        # A wait in progress moves to the new profile too.
        waiting = asyncio.create_task(stream.next())
        await asyncio.sleep(0)
        await update(video, "Image.I0.Resolution", "QVGA")
        assert jpeg_size((await asyncio.wait_for(waiting, 10)).data) == (320, 240)
        assert video.hub.profiles == 1


async def test_request_arguments_win_over_a_setting_change(camera: Camera) -> None:
    video = camera.device.video
    with video.open_stream("1", {"resolution": "QQVGA"}, name="viewer test") as stream:
        await stream.next()
        profile = stream.consumer.profile
        await update(video, "Image.I0.Resolution", "CIF")
        assert jpeg_size((await stream.next()).data) == (160, 120)
        assert stream.consumer.profile is profile


async def test_a_subscription_follows_setosd_without_commit(camera: Camera) -> None:
    video = camera.device.video
    with video.open_stream("1", {"resolution": "QVGA"}, name="viewer test") as stream:
        plain = (await stream.next()).data
        await video.async_set_osd({"DateEnabled": "yes"}, False, AccessLevel.OPERATOR, None)
        texted = (await stream.next()).data
        assert stream.options.spec.osd.date
        assert top_band(texted) < top_band(plain) - 20  # the black bar of the date
        await update(video, "Image.I0.Text.DateEnabled", "no")  # replaces the overlay
        assert not stream.options.spec.osd.date
        assert top_band((await stream.next()).data) > top_band(texted) + 20


async def test_a_subscription_ends_when_its_channel_is_switched_off(camera: Camera) -> None:
    video = camera.device.video
    with video.open_stream("1", {"resolution": "QQVGA"}, name="viewer test") as stream:
        await stream.next()
        await update(video, "Image.I0.Enabled", "no")
        got = [frame async for frame in stream]  # at most the frame it was waiting for
        assert len(got) <= 1
        with pytest.raises(Disabled, match="Camera 1 is disabled"):
            await stream.next()
        assert stream.consumer.profile is None
    assert video.hub.profiles == 0


async def test_errors_come_before_anything_starts(camera: Camera) -> None:
    video = camera.device.video
    with pytest.raises(NotFound):
        video.open_stream("2", {}, name="viewer test")
    with pytest.raises(InvalidParameter):
        video.open_stream("1", {"resolution": "huge"}, name="viewer test")
    await update(video, "Image.MaxViewers", "1")
    with video.open_stream("1", {}, name="viewer a"):
        with pytest.raises(Busy):
            video.open_stream("1", {}, name="viewer b")
        # An internal consumer is not a viewer: the limit does not apply to it.
        spec = RenderSpec("1", 160, 120, 50)
        with video.open_encoded(spec, name="recorder") as recorder:
            assert jpeg_size((await recorder.next()).data) == (160, 120)
            assert recorder.consumer.kind is ConsumerKind.INTERNAL
        with pytest.raises(Busy):
            await video.snapshot("1", {}, name="snapshot b")
    assert video.hub.viewers == 0
    assert video.consumers() == []


async def test_an_unwatched_subscription_starts_no_camera(camera: Camera) -> None:
    video = camera.device.video
    with video.open_stream("1", {}, name="viewer head") as stream:
        assert video.hub.viewers == 1  # a viewer slot is held
        assert stream.consumer.profile is None
        assert not video.cameras[0].running
    assert video.hub.viewers == 0


async def test_the_mjpeg_parts_end_after_nbrofframes(camera: Camera) -> None:
    video = camera.device.video
    transport = RecordingTransport()
    with video.open_stream("1", {"resolution": "QQVGA", "nbrofframes": "2"}, name="v") as s:
        sender = s.send_mjpeg(transport)
        await asyncio.wait_for(sender.wait(), 10)
    chunks = transport.chunks
    assert sender.reason == "nbrofframes"
    assert len(chunks) == 2
    assert chunks[0].startswith(b"Content-Type: image/jpeg\r\nContent-Length: ")
    assert chunks[0].endswith(b"\r\n" + DELIMITER)
    assert chunks[1].endswith(b"\xff\xd9\r\n" + CLOSE_DELIMITER)
    jpeg = chunks[1][chunks[1].index(b"\r\n\r\n") + 4 : -len(b"\r\n" + CLOSE_DELIMITER)]
    assert chunks[1] == multipart_part(jpeg)[: -len(DELIMITER)] + CLOSE_DELIMITER
    assert jpeg_size(jpeg) == (160, 120)
    assert video.hub.viewers == 0


async def test_the_mjpeg_parts_end_after_a_duration(camera: Camera) -> None:
    video = camera.device.video
    transport = RecordingTransport()
    args = {"resolution": "QQVGA", "duration": "1", "fps": "4"}
    with video.open_stream("1", args, name="viewer test") as stream:
        await asyncio.wait_for(stream.send_mjpeg(transport).wait(), 10)
    chunks = transport.chunks
    assert 3 <= len(chunks) <= 5
    assert all(chunk.endswith(DELIMITER) for chunk in chunks[:-1])
    assert chunks[-1].endswith(CLOSE_DELIMITER)


async def test_a_busy_viewer_skips_parts_and_takes_the_newest(camera: Camera) -> None:
    """While its transport still holds a part, a viewer is given nothing: when it is ready
    again its next part is the newest frame, not the ones it missed."""
    video = camera.device.video
    transport = RecordingTransport()
    with video.open_stream("1", {"resolution": "QQVGA"}, name="viewer slow") as stream:
        sender = stream.send_mjpeg(transport)
        await wait_until(lambda: len(transport.chunks) == 1)
        first = sender.last_seq
        transport.pending = 4096  # the kernel has not taken it yet
        profile = stream.consumer.profile
        assert profile is not None
        await wait_until(lambda: profile.chosen_seq >= first + 5)
        assert len(transport.chunks) == 1  # five frames went by, none queued for it
        transport.pending = 0
        await wait_until(lambda: len(transport.chunks) == 2)
        assert sender.last_seq >= first + 5


async def test_a_snapshot_shares_the_running_streams_frame(camera: Camera) -> None:
    video = camera.device.video
    with video.open_stream("1", {"resolution": "QVGA"}, name="viewer test") as stream:
        frame = await stream.next()
        encodes = video.hub.encodes
        shot = await video.snapshot("1", {"resolution": "QVGA"}, name="snapshot test")
        assert video.hub.profiles == 1
        assert shot.seq >= frame.seq
        # The stream's own frame (the same bytes) or the profile's newer one, encoded once
        # for the snapshot and the stream alike.
        assert video.hub.encodes - encodes == (0 if shot.seq == frame.seq else 1)
        assert (shot.data is frame.data) == (shot.seq == frame.seq)
        following = await stream.next()
        assert following.seq > frame.seq
        assert (following.data is shot.data) == (following.seq == shot.seq)
    picture = simplejpeg.decode_jpeg(shot.data, colorspace="GRAY")
    assert picture.shape[:2] == (240, 320)
    assert float(np.std(picture)) > 10  # the test pattern, not a blank
