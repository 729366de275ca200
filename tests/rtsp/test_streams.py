"""Real clients read the streams: ffmpeg and ffprobe over TCP and UDP, H.264 and JPEG; one
encode per profile however many sessions; a late joiner starts at a keyframe; sender reports."""

from __future__ import annotations

import asyncio
import json

import pytest

from ipcamd.rtsp import session as rtsp_session
from ipcamd.rtsp.rtcp import is_rtcp
from ipcamd.video.render import Codec
from tests.conftest import CameraFactory
from tests.rtsp.client import RtspClient, rtsp_camera
from tests.support import Camera, require_tool
from tests.video.streams import wait_until

NAL_IDR, NAL_SPS, NAL_PPS = 5, 7, 8


def media_url(camera: Camera, query: str = "", user: str = "root:pass") -> str:
    return f"rtsp://{user}@127.0.0.1:{camera.server.rtsp_port}/axis-media/media.amp{query}"


async def run(*command: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_ffmpeg_and_ffprobe_read_every_codec_over_tcp_and_udp(
    camera_factory: CameraFactory,
) -> None:
    ffmpeg, ffprobe = require_tool("ffmpeg"), require_tool("ffprobe")
    camera = await rtsp_camera(camera_factory)
    cases = [
        ("", "tcp", "h264", 640, 480),
        ("?resolution=320x240&fps=15", "udp", "h264", 320, 240),
        ("?videocodec=jpeg&resolution=320x240", "tcp", "mjpeg", 320, 240),
        ("?videocodec=jpeg&compression=60", "udp", "mjpeg", 640, 480),
    ]
    for query, transport, codec, width, height in cases:
        code, out, err = await run(
            ffmpeg, "-v", "error", "-xerror", "-rtsp_transport", transport,
            "-i", media_url(camera, query), "-frames:v", "12", "-f", "framecrc", "-",
        )  # fmt: skip
        assert (code, err) == (0, ""), (query, transport, err)
        frames = [line for line in out.splitlines() if line and not line.startswith("#")]
        assert len(frames) == 12, out
        code, out, err = await run(
            ffprobe, "-v", "error", "-rtsp_transport", transport, "-show_streams",
            "-of", "json", media_url(camera, query),
        )  # fmt: skip
        assert code == 0, err
        streams = json.loads(out)["streams"]
        assert [(s["codec_name"], s["width"], s["height"]) for s in streams] == [
            (codec, width, height)
        ]


async def test_two_sessions_of_one_profile_cost_one_encode(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    first = await RtspClient.connect(camera.server.rtsp_port or 0)
    second = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        await first.start("?resolution=320x240")
        await second.start("?resolution=320x240")
        await first.access_units(20)
        await second.access_units(20)
        handlers = camera.server.rtsp.handlers if camera.server.rtsp else None
        assert handlers is not None
        feeds = list(handlers.feeds.values())
        assert len(feeds) == 1
        assert len(feeds[0].tracks) == 2
        hub = camera.device.video.hub
        assert hub.profiles == 1
        [consumer] = camera.device.video.consumers()
        assert consumer.spec is not None
        assert consumer.spec.codec is Codec.H264
        # Every frame was encoded once for both sessions (plus at most one in flight).
        assert hub.encodes <= feeds[0].frames + 1
    finally:
        first.close()
        second.close()


async def test_a_late_joiner_starts_at_a_keyframe(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    port = camera.server.rtsp_port or 0
    # No keyframe of its own for 1000 frames: the joiner's keyframe is one asked for.
    query = "?resolution=320x240&videokeyframeinterval=1000"
    early = await RtspClient.connect(port)
    late = await RtspClient.connect(port)
    try:
        await early.start(query)
        units = await early.access_units(10)
        kinds = [[u[0] & 0x1F for u in unit] for unit in units]
        assert {NAL_SPS, NAL_PPS, NAL_IDR} <= set(kinds[0])  # the stream opens decodable
        # SETUP and PLAY each ask for a keyframe: when the camera's first frame is encoded
        # before PLAY arrives, both keyframes open the stream. After them, none.
        rest = kinds[1:]
        while rest and NAL_IDR in rest[0]:
            rest = rest[1:]
        assert len(rest) >= 7, kinds
        assert all(NAL_IDR not in k for k in rest), kinds  # mid-GOP now
        await late.start(query)
        [first] = await late.access_units(1)
        assert [u[0] & 0x1F for u in first if u[0] & 0x1F in (5, 7, 8)] == [
            NAL_SPS,
            NAL_PPS,
            NAL_IDR,
        ]
    finally:
        early.close()
        late.close()


async def test_sender_reports_on_the_rtcp_channel(
    camera_factory: CameraFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rtsp_session, "REPORT_INTERVAL", 0.2)
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        await client.start("?resolution=160x120")
        while True:
            packet = await client.next_packet()
            if packet.channel == 1:
                break
        assert is_rtcp(packet.data)
        assert packet.data[1] == 200  # SR
    finally:
        client.close()


async def test_pause_stops_and_play_resumes_at_a_keyframe(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        session = await client.start("?resolution=160x120&videokeyframeinterval=1000")
        await client.access_units(3)
        paused = await client.request("PAUSE", headers={"Session": session})
        assert paused.status == 200
        client.packets.clear()
        handlers = camera.server.rtsp.handlers if camera.server.rtsp else None
        assert handlers is not None
        track = handlers.sessions[session].video
        assert track is not None
        assert not track.playing
        sent = track.packets
        feed = track.feed
        frames = feed.frames
        await wait_until(lambda: feed.frames >= frames + 3)
        assert track.packets == sent
        played = await client.request("PLAY", headers={"Session": session})
        assert played.status == 200
        client.packets = [p for p in client.packets if p.channel == 0]
        [first] = await client.access_units(1)
        assert NAL_IDR in [u[0] & 0x1F for u in first]
        keep_alive = await client.request("GET_PARAMETER", headers={"Session": session})
        assert keep_alive.status == 200
        assert keep_alive.headers["session"] == f"{session};timeout=60"
        down = await client.request("TEARDOWN", headers={"Session": session})
        assert down.status == 200
        await wait_until(lambda: not handlers.sessions and not handlers.feeds)
        assert camera.device.video.consumers() == []
    finally:
        client.close()
