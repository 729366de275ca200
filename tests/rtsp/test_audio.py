"""``audio=1``: the camera's G.711 µ-law from the audio service as PCMU (payload type 0,
8000 Hz) on track 2, one feed (one listener, one encode) for every session; ffmpeg reads it
and the samples are the camera's test tone."""

from __future__ import annotations

import asyncio
import itertools
import json
import struct

import numpy as np
import pytest

from ipcamd.rtsp import session as rtsp_session
from ipcamd.rtsp.audio import AudioFeed
from ipcamd.rtsp.handlers import Handlers
from ipcamd.rtsp.rtcp import is_rtcp
from tests.audio.sound import dominant_frequency, ffmpeg_decode
from tests.conftest import CameraFactory
from tests.motion.helpers import update
from tests.rtsp.client import Packet, RtspClient, rtsp_camera
from tests.rtsp.test_streams import media_url, run
from tests.support import Camera, require_tool
from tests.video.streams import wait_until

#: Blocks of 30 ms: 40 of them are 1.2 s of sound, enough for a 1 Hz spectrum.
BLOCKS = 40


async def describe(client: RtspClient, query: str) -> tuple[int, list[str]]:
    reply = await client.request("DESCRIBE", client.url + query, {"Accept": "application/sdp"})
    return reply.status, reply.body.decode().split("\r\n")


async def audio_packets(client: RtspClient, count: int, channel: int) -> list[Packet]:
    """The next ``count`` RTP packets on ``channel``."""
    packets: list[Packet] = []
    while len(packets) < count:
        packet = await client.next_packet()
        if packet.channel == channel:
            packets.append(packet)
    return packets


def handlers_of(camera: Camera) -> Handlers:
    assert camera.server.rtsp is not None
    return camera.server.rtsp.handlers


async def test_the_sdp_has_pcmu_on_track_2_only_when_audio_is_served(
    camera_factory: CameraFactory,
) -> None:
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        status, sdp = await describe(client, "?audio=1&event=on")
        assert status == 200
        media = [line for line in sdp if line.startswith("m=")]
        assert media == [
            "m=video 0 RTP/AVP 96",
            "m=audio 0 RTP/AVP 0",
            "m=application 0 RTP/AVP 98",
        ]
        audio = sdp[sdp.index("m=audio 0 RTP/AVP 0") : sdp.index("m=application 0 RTP/AVP 98")]
        assert audio == [
            "m=audio 0 RTP/AVP 0",
            "a=rtpmap:0 PCMU/8000",
            f"a=control:{client.url}/trackID=2?audio=1&event=on",
        ]
        assert "m=audio 0 RTP/AVP 0" not in (await describe(client, "?audio=0"))[1]
        assert "m=audio 0 RTP/AVP 0" not in (await describe(client, ""))[1]
        # Audio switched off (or transmit-only): no audio track, the video is still served.
        await update(camera, "Audio.A0.Enabled=no")
        status, sdp = await describe(client, "?audio=1")
        assert status == 200
        assert [line for line in sdp if line.startswith("m=")] == ["m=video 0 RTP/AVP 96"]
        status, _ = await describe(client, "?audio=1&video=0")
        assert status == 400  # nothing to stream
        await update(camera, "Audio.A0.Enabled=yes&Audio.DuplexMode=post")
        assert "m=audio 0 RTP/AVP 0" not in (await describe(client, "?audio=1"))[1]
        await update(camera, "Audio.DuplexMode=full")
        assert "m=audio 0 RTP/AVP 0" in (await describe(client, "?audio=1"))[1]
    finally:
        client.close()
    assert camera.device.audio.listeners == 0  # describing listens to nothing


async def test_the_packets_are_the_tone_in_blocks_of_240_samples(
    camera_factory: CameraFactory,
) -> None:
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        await client.start("?video=0&audio=1")
        packets = await audio_packets(client, BLOCKS, channel=0)
        assert {p.payload_type for p in packets} == {0}
        assert {len(p.payload) for p in packets} == {240}
        seqs = [p.seq for p in packets]
        assert [(b - a) & 0xFFFF for a, b in itertools.pairwise(seqs)] == [1] * 39
        stamps = [p.timestamp for p in packets]
        assert [(b - a) & 0xFFFFFFFF for a, b in itertools.pairwise(stamps)] == [240] * 39
        samples = ffmpeg_decode(b"".join(p.payload for p in packets), "g711")
        assert len(samples) == BLOCKS * 240
        assert dominant_frequency(samples) == 1000.0  # camera 1's tone
    finally:
        client.close()
    handlers = handlers_of(camera)
    await wait_until(lambda: not handlers.audio_feeds and camera.device.audio.listeners == 0)


async def test_sessions_share_one_listener_and_the_same_packets(
    camera_factory: CameraFactory,
) -> None:
    camera = await rtsp_camera(camera_factory)
    first = await RtspClient.connect(camera.server.rtsp_port or 0)
    second = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        await first.start("?video=0&audio=1")
        await second.start("?video=0&audio=1&event=on")
        handlers = handlers_of(camera)
        feeds: list[AudioFeed] = list(handlers.audio_feeds.values())
        assert len(feeds) == 1
        assert len(feeds[0].tracks) == 2
        assert camera.device.audio.listeners == 1  # one listener of the audio service
        ones = {p.seq: p.data for p in await audio_packets(first, 10, channel=0)}
        twos = {p.seq: p.data for p in await audio_packets(second, 10, channel=0)}
        common = set(ones) & set(twos)
        assert common
        assert all(ones[seq] == twos[seq] for seq in common)  # the very same bytes
    finally:
        first.close()
        second.close()
    await wait_until(lambda: camera.device.audio.listeners == 0)


async def test_ffprobe_and_ffmpeg_read_video_and_audio(camera_factory: CameraFactory) -> None:
    ffmpeg, ffprobe = require_tool("ffmpeg"), require_tool("ffprobe")
    camera = await rtsp_camera(camera_factory)
    for transport in ("tcp", "udp"):
        url = media_url(camera, "?resolution=320x240&audio=1")
        code, out, err = await run(
            ffprobe, "-v", "error", "-rtsp_transport", transport, "-show_streams",
            "-of", "json", url,
        )  # fmt: skip
        assert code == 0, err
        streams = json.loads(out)["streams"]
        assert [(s["codec_type"], s["codec_name"]) for s in streams] == [
            ("video", "h264"),
            ("audio", "pcm_mulaw"),
        ]
        assert (streams[1]["sample_rate"], streams[1]["channels"]) == ("8000", 1)
    # The audio decodes without an error and is the tone.
    raw = await run_bytes(
        ffmpeg, "-v", "error", "-xerror", "-rtsp_transport", "tcp", "-i",
        media_url(camera, "?video=0&audio=1"), "-map", "0:a", "-t", "1.5",
        "-f", "s16le", "-ar", "8000", "-ac", "1", "-",
    )  # fmt: skip
    samples = np.frombuffer(raw, np.int16)
    assert len(samples) >= 8000
    assert dominant_frequency(samples) == 1000.0


async def run_bytes(*command: str) -> bytes:
    """A command's stdout (it must succeed without a word on stderr)."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert (process.returncode, err) == (0, b""), err
    return out


async def test_a_setting_change_keeps_the_track_switching_off_ends_it(
    camera_factory: CameraFactory,
) -> None:
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        session = await client.start("?video=0&audio=1")
        before = await audio_packets(client, 2, channel=0)
        # The service ends its streams (HTTP listeners reconnect); the RTSP feed listens again.
        await update(camera, "AudioSource.A0.AudioEncoding=g726")
        feed = next(iter(handlers_of(camera).audio_feeds.values()))
        count = feed.blocks
        await wait_until(lambda: feed.blocks >= count + 5)
        packets = before + await audio_packets(client, 10, channel=0)
        assert [(b.seq - a.seq) & 0xFFFF for a, b in itertools.pairwise(packets)] == [1] * 11
        assert {p.ssrc for p in packets} == {before[0].ssrc}
        assert {(p.payload_type, len(p.payload)) for p in packets} == {(0, 240)}  # still PCMU
        assert session in handlers_of(camera).sessions
        # Switched off: the feed ends, and with it the session (as when a camera goes off).
        await update(camera, "Audio.A0.Enabled=no")
        await wait_until(lambda: session not in handlers_of(camera).sessions)
        assert not handlers_of(camera).audio_feeds
        await wait_until(lambda: camera.device.audio.listeners == 0)
    finally:
        client.close()


async def test_the_listener_limit_is_a_503_at_setup(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    await update(camera, "Audio.MaxListeners=1")
    listener = camera.device.audio.listen("1", "g711")  # an HTTP listener holds the one slot
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        status, sdp = await describe(client, "?video=0&audio=1")
        assert status == 200
        control = [line for line in sdp if line.startswith("a=control:")][-1]
        setup = await client.request(
            "SETUP",
            control[len("a=control:") :],
            {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"},
        )
        assert setup.status == 503
        assert b"Too many listeners" in setup.body
        udp = await client.request(
            "SETUP",
            control[len("a=control:") :],
            {"Transport": "RTP/AVP;unicast;client_port=40000-40001"},
        )
        assert udp.status == 503
        assert not handlers_of(camera).sessions
        assert not handlers_of(camera).udp_peers  # nothing left behind
    finally:
        listener.close()
        client.close()


async def test_the_audio_sender_report_maps_the_packets_time_stamps(
    camera_factory: CameraFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SR's RTP time is the 8 kHz clock at its NTP time: within a few blocks of the stamp of
    the packet that came just before it (the stamps count samples, the report reads the
    clock)."""
    monkeypatch.setattr(rtsp_session, "REPORT_INTERVAL", 0.3)
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        await client.start("?video=0&audio=1")
        last: Packet | None = None
        while True:
            packet = await client.next_packet()
            if packet.channel == 0:
                last = packet
            elif last is not None:
                break
        assert packet.channel == 1
        assert is_rtcp(packet.data)
        assert packet.data[1] == 200  # SR
        ssrc, _, _, rtp_time, count, octets = struct.unpack_from("!IIIIII", packet.data, 4)
        assert ssrc == last.ssrc
        assert count >= 1
        assert octets == count * 240
        ahead = ((rtp_time - last.timestamp + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
        # Stamps follow the clock within 100 ms, and the packet was sent a block or two ago.
        assert abs(ahead) < 8 * 240, ahead
    finally:
        client.close()
