"""receive.cgi end to end: what it sends, decoded by FFmpeg's command line, is the source's
sound; cameras, codecs, limits and settings; the source runs only while someone listens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ipcamd.audio import producer as producer_module
from ipcamd.audio.codecs import Codec
from ipcamd.audio.sources.tone import TONE_LEVEL_DBFS
from tests.audio.sound import (
    dominant_frequency,
    ffmpeg_decode,
    level_dbfs,
    receive,
    write_media,
)
from tests.conftest import CameraFactory
from tests.spec.raw import exchange, open_raw
from tests.support import Camera
from tests.system.helpers import wait_until

SECONDS = 1.5


async def update(camera: Camera, query: str) -> None:
    reply = await camera.get(f"/axis-cgi/param.cgi?action=update&{query}")
    assert reply.text == "OK\r\n", reply.text


async def listen(camera: Camera, query: str = "", seconds: float = SECONDS) -> np.ndarray:
    """``seconds`` of receive.cgi (singlepart), decoded by ffmpeg."""
    codec = dict(p.split("=") for p in query.split("&") if p).get("codec", "g711")
    rate = {"g711": 8000, "g726-32": 4000, "g726-24": 3000}[codec]
    packing = camera.device.params.get("Audiod.G726Packing")
    _, _, body = await receive(
        camera.server.port, f"/axis-cgi/audio/receive.cgi?{query}", int(seconds * rate)
    )
    return ffmpeg_decode(body, codec, packing)


@pytest.mark.parametrize("packing", ["g726", "g726le"])
@pytest.mark.parametrize("codec", ["g711", "g726-32", "g726-24"])
async def test_what_is_sent_decodes_to_the_tone(camera: Camera, codec: str, packing: str) -> None:
    """1 kHz at -12 dBFS, through ffmpeg -f mulaw / -f g726 / -f g726le."""
    await update(camera, f"Audiod.G726Packing={packing}")
    samples = await listen(camera, f"codec={codec}")
    assert len(samples) == int(SECONDS * 8000)
    settled = samples[2000:]  # G.726 adapts during its first samples
    assert abs(dominant_frequency(settled) - 1000) <= 2
    assert abs(level_dbfs(settled) - TONE_LEVEL_DBFS) <= 1.0


async def test_the_wrong_packing_does_not_decode_to_the_tone(camera: Camera) -> None:
    """The packing parameter is what decides: read little-endian bytes as big-endian."""
    await update(camera, "Audiod.G726Packing=g726le")
    _, _, body = await receive(camera.server.port, "/audio/receive.cgi?codec=g726-32", 6000)
    wrong = ffmpeg_decode(body, "g726-32", "g726")[2000:]
    assert abs(dominant_frequency(wrong) - 1000) > 2 or abs(level_dbfs(wrong) + 12) > 1.0


async def test_the_sources_encoding_is_the_default(camera: Camera) -> None:
    await update(camera, "AudioSource.A0.AudioEncoding=g726&AudioSource.A0.BitRate=24000")
    _, headers, _ = await receive(camera.server.port, "/audio/receive.cgi", 240)
    assert b"Content-Type: audio/G723" in headers
    await update(camera, "AudioSource.A0.BitRate=32000")
    _, headers, _ = await receive(camera.server.port, "/audio/receive.cgi", 240)
    assert b"Content-Type: audio/32KADPCM" in headers
    _, headers, _ = await receive(camera.server.port, "/audio/receive.cgi?codec=g711", 240)
    assert b"Content-Type: audio/basic" in headers


async def test_each_camera_has_its_own_tone(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=2)
    assert abs(dominant_frequency(await listen(camera, "camera=2")) - 800) <= 2
    assert abs(dominant_frequency(await listen(camera, "camera=1")) - 1000) <= 2
    # A configuration may take another input's sound (Audio.A<n>.Source).
    await update(camera, "Audio.A1.Source=0")
    assert abs(dominant_frequency(await listen(camera, "camera=2")) - 1000) <= 2


async def test_input_gain_and_mute(camera: Camera) -> None:
    """A gain change applies to the blocks encoded after it: the first ones a new listener gets
    may have been encoded just before (the producer works a little ahead of real time, more on
    a busy machine), so the level is measured after the first half second."""
    await update(camera, "AudioSource.A0.InputGain=6")
    settled = (await listen(camera, seconds=1.5))[4000:]
    assert abs(level_dbfs(settled) - (TONE_LEVEL_DBFS + 6)) <= 0.5
    await update(camera, "AudioSource.A0.InputGain=-20")
    settled = (await listen(camera, seconds=1.5))[4000:]
    assert abs(level_dbfs(settled) - (TONE_LEVEL_DBFS - 20)) <= 0.5
    await update(camera, "AudioSource.A0.InputGain=mute")
    assert not np.any((await listen(camera, seconds=1.0))[4000:])


async def test_a_files_sound(camera_factory: CameraFactory, tmp_path: Path) -> None:
    """A video file's own audio track (44.1 kHz stereo, resampled to 8 kHz mono); a file
    without one is silence."""
    with_sound = write_media(
        tmp_path / "talk.mkv",
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=3",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3",
        "-ac", "2", "-c:v", "mjpeg", "-c:a", "pcm_s16le",
    )  # fmt: skip
    mute = write_media(
        tmp_path / "mute.mkv",
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=3", "-c:v", "mjpeg",
    )  # fmt: skip
    camera: Camera = await camera_factory(
        cameras=2, sources={1: f"file:{with_sound}"}, audio_sources={2: f"file:{mute}"}
    )
    sound = await listen(camera, "camera=1")
    assert abs(dominant_frequency(sound[2000:]) - 440) <= 2
    assert level_dbfs(sound[2000:]) > -30
    assert not np.any(await listen(camera, "camera=2", seconds=0.5))


async def test_silence_source(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(audio_sources={1: "silence"})
    assert not np.any(await listen(camera, seconds=0.5))


async def test_runs_only_while_someone_listens(camera: Camera) -> None:
    producer = camera.device.audio.producers[0]
    producer.linger = 0.0
    assert not producer.running
    async with open_raw(camera.server.port, "/audio/receive.cgi") as (reply, reader):
        assert reply.status == 200
        assert len(await reader.readexactly(480)) == 480
        assert producer.running
        assert camera.device.audio.listeners == 1
    await wait_until(lambda: not producer.running and camera.device.audio.listeners == 0)


async def test_each_format_is_encoded_once_for_all_listeners(
    camera: Camera, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Codec] = []
    original = producer_module.Encoder

    def counting(codec: Codec, packing: object) -> object:
        made.append(codec)
        return original(codec, packing)  # type: ignore[arg-type]

    monkeypatch.setattr(producer_module, "Encoder", counting)
    port = camera.server.port
    queries = ["codec=g711"] * 5 + ["codec=g726-32"] * 3
    contexts = [open_raw(port, f"/audio/receive.cgi?{q}") for q in queries]
    streams = [await c.__aenter__() for c in contexts]
    try:
        for _, reader in streams:
            assert len(await reader.readexactly(240)) == 240
        assert sorted(c.name for c in made) == ["G711", "G726_32"]
        feeds = camera.device.audio.producers[0]._feeds
        assert sorted(f.users for f in feeds.values()) == [3, 5]
    finally:
        for context in contexts:
            await context.__aexit__(None, None, None)


async def test_listener_limit(camera: Camera) -> None:
    await update(camera, "Audio.MaxListeners=2")
    port = camera.server.port
    async with (
        open_raw(port, "/audio/receive.cgi") as (first, _),
        open_raw(port, "/audio/receive.cgi?httptype=multipart") as (second, _),
    ):
        assert (first.status, second.status) == (200, 200)
        third = await exchange(port, "/audio/receive.cgi")
        assert third.status == 503
        assert third.body == b"Too many listeners (Audio.MaxListeners=2)\n"
    await wait_until(lambda: camera.device.audio.listeners == 0)
    async with open_raw(port, "/audio/receive.cgi") as (again, _):
        assert again.status == 200


async def test_default_httptype_is_the_parameter(camera: Camera) -> None:
    await update(camera, "Audiod.HttpMessageType=multipart")
    _, headers, body = await receive(camera.server.port, "/audio/receive.cgi", 14)
    assert b"Content-Type: multipart/x-mixed-replace;boundary=myboundary" in headers
    assert body == b"--myboundary\r\n"


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ("httptype=chunked", 400, b"Invalid httptype 'chunked' (singlepart, multipart)\n"),
        ("httptype=", 400, None),
        ("codec=aac", 400, b"Unknown codec 'aac' (g711, g726, g726-32, g726-24)\n"),
        ("codec=G711", 400, None),
        ("camera=2", 404, b"No such camera '2'\n"),
        ("camera=0", 404, None),
        ("camera=x", 404, None),
        ("httptype=singlepart&httptype=multipart", 400, None),
    ],
)
async def test_bad_requests(camera: Camera, query: str, status: int, reason: bytes | None) -> None:
    reply = await exchange(camera.server.port, f"/audio/receive.cgi?{query}")
    assert reply.status == status
    assert reply.headers("Content-Type") == ["text/plain"]
    if reason is not None:
        assert reply.body == reason
    assert camera.device.audio.listeners == 0
    assert not camera.device.audio.producers[0].running
    async with open_raw(camera.server.port, "/audio/receive.cgi") as (ok, _):
        assert ok.status == 200  # the device keeps working


async def test_switched_off(camera: Camera) -> None:
    port = camera.server.port
    await update(camera, "Audio.A0.Enabled=no")
    reply = await exchange(port, "/audio/receive.cgi")
    assert (reply.status, reply.body) == (404, b"Audio of camera 1 is disabled\n")
    await update(camera, "Audio.A0.Enabled=yes&Audio.DuplexMode=post")
    reply = await exchange(port, "/audio/receive.cgi")
    assert reply.status == 404
    assert not camera.device.audio.producers[0].running


async def test_a_setting_change_ends_running_streams(camera: Camera) -> None:
    async with open_raw(camera.server.port, "/audio/receive.cgi") as (reply, reader):
        assert reply.status == 200
        await reader.readexactly(240)
        await update(camera, "AudioSource.A0.AudioEncoding=g726")
        rest = await reader.read()  # the stream ends (the connection closes)
        assert len(rest) % 240 == 0
    await wait_until(lambda: camera.device.audio.listeners == 0)


async def test_head_holds_no_listener(camera: Camera) -> None:
    reply = await exchange(
        camera.server.port, "/audio/receive.cgi?httptype=multipart", method="HEAD"
    )
    assert reply.status == 200
    assert reply.header("Content-Type") == "multipart/x-mixed-replace;boundary=myboundary"
    assert camera.device.audio.listeners == 0
    assert not camera.device.audio.producers[0].running


async def test_viewer_may_listen_anonymous_may_not(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    async with open_raw(camera.server.port, "/audio/receive.cgi", user=None) as (reply, _):
        assert reply.status == 401
    reply = await camera.get("/audio/receive.cgi?httptype=bogus", user="vic", password="v1")
    assert reply.status == 400
