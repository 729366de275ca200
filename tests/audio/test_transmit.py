"""transmit.cgi end to end: a known signal in each codec, singlepart and multipart, lands in the
sink exactly as FFmpeg's command line decodes it; one talker at a time; stalled talkers time
out; bad bodies are refused and change nothing."""

from __future__ import annotations

import asyncio
import socket
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audio.sound import ffmpeg_decode, ffmpeg_encode, sine
from tests.conftest import CameraFactory
from tests.spec.raw import TIMEOUT, exchange, open_raw, read_head, request_bytes
from tests.support import Camera
from tests.system.helpers import wait_until

MIME = {"g711": "audio/basic", "g726-32": "audio/32KADPCM", "g726-24": "audio/G723"}


def wav_samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2")


def newest_wav(camera: Camera) -> Path:
    path = camera.device.audio.wav_files.newest()
    assert path is not None
    return path


async def update(camera: Camera, query: str) -> None:
    reply = await camera.get(f"/axis-cgi/param.cgi?action=update&{query}")
    assert reply.text == "OK\r\n", reply.text


async def post(camera: Camera, content_type: str, body: bytes) -> tuple[int, bytes]:
    reply = await camera.post(
        "/axis-cgi/audio/transmit.cgi", data=body, headers={"Content-Type": content_type}
    )
    return reply.status, reply.body


def multipart(mime: str, coded: bytes, boundary: str = "--myboundary") -> tuple[str, bytes]:
    """The spec's example 2 framing: ``boundary=--myboundary``, lines ``--myboundary``."""
    line = (boundary if boundary.startswith("--") else "--" + boundary).encode()
    parts = [
        line + f"\r\nContent-Type: {mime}\r\n\r\n".encode() + coded[i : i + 240] + b"\r\n"
        for i in range(0, len(coded), 240)
    ]
    return f"multipart/x-mixed-replace; boundary={boundary}", b"".join(parts)


@pytest.mark.parametrize("packing", ["g726", "g726le"])
@pytest.mark.parametrize("codec", ["g711", "g726-32", "g726-24"])
@pytest.mark.parametrize("framing", ["singlepart", "multipart"])
async def test_a_known_signal_lands_in_the_wav(
    camera: Camera, codec: str, packing: str, framing: str
) -> None:
    await update(camera, f"Audiod.G726Packing={packing}")
    coded = ffmpeg_encode(sine(440, 1.5), codec, packing)
    content_type, body = (MIME[codec], coded)
    if framing == "multipart":
        content_type, body = multipart(MIME[codec], coded)
    status, reply = await post(camera, content_type, body)
    assert (status, reply) == (204, b"")
    assert camera.device.audio.talker is None
    expected = ffmpeg_decode(coded, codec, packing)
    assert np.array_equal(wav_samples(newest_wav(camera)), expected)


async def test_each_talk_is_a_new_file_and_old_ones_go(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(audio_wav_keep=2, audio_wav_max_seconds=1.0)
    coded = ffmpeg_encode(sine(300, 2.5), "g711")
    assert (await post(camera, "audio/basic", coded))[0] == 204
    files = camera.device.audio.wav_files
    # 2.5 s in files of at most 1 s: three files, of which the newest two are kept.
    assert files.numbers() == [2, 3]
    assert [len(wav_samples(files.path(n))) for n in (2, 3)] == [8000, 4000]
    assert (await post(camera, "audio/basic", coded[:800]))[0] == 204
    assert files.numbers() == [3, 4]  # a short talk: one new file, the oldest goes


async def test_the_alsa_sink(camera_factory: CameraFactory, tmp_path: Path) -> None:
    """Through FFmpeg's ALSA output and alsa-lib's ``file`` plugin, which writes what a card
    would play to a file (no sound card needed): the bytes are the decoded talk."""
    raw = tmp_path / "played.raw"
    camera: Camera = await camera_factory(audio_sink=f"alsa:file:'{raw}',raw")
    coded = ffmpeg_encode(sine(500, 1.0), "g726-32")
    assert (await post(camera, "audio/32KADPCM", coded))[0] == 204
    played = np.frombuffer(raw.read_bytes(), "<i2")
    assert np.array_equal(played, ffmpeg_decode(coded, "g726-32"))
    assert camera.device.audio.wav_files.newest() is None


async def test_an_alsa_device_that_cannot_play(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(audio_sink="alsa:nosuchdevice")
    status, reply = await post(camera, "audio/basic", b"\xff" * 2400)
    assert status == 503
    assert reply.startswith(b"ALSA device 'nosuchdevice' cannot play")
    assert camera.device.audio.talker is None


async def slow_talker(
    port: int, blocks: int = 2
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """5.8.5 example 1: a talk whose body never completes; a few blocks sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        request_bytes(
            "/axis-cgi/audio/transmit.cgi",
            method="POST",
            headers=[("Content-Type", "audio/basic"), ("Content-Length", "9999999")],
        )
        + b"\xff" * 240 * blocks
    )
    await writer.drain()
    return reader, writer


async def test_one_talker_at_a_time(camera: Camera) -> None:
    await update(camera, "Audio.ReceiverTimeout=60000")
    audio = camera.device.audio
    _, writer = await slow_talker(camera.server.port)
    await wait_until(lambda: audio.talker is not None)
    status, reply = await post(camera, "audio/basic", b"\xff" * 240)
    assert (status, reply) == (503, b"Another client is transmitting audio\n")
    writer.close()  # the first talker hangs up: its talk ends
    await wait_until(lambda: audio.talker is None)
    assert (await post(camera, "audio/basic", b"\xff" * 240))[0] == 204


async def test_a_talker_that_never_sends_times_out(camera: Camera) -> None:
    await update(camera, "Audio.ReceiverTimeout=300")
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    writer.write(
        request_bytes(
            "/audio/transmit.cgi",
            method="POST",
            headers=[("Content-Type", "audio/basic"), ("Content-Length", "9999999")],
        )
    )
    status, _ = await read_head(reader)
    body = await asyncio.wait_for(reader.read(), TIMEOUT)
    writer.close()
    assert status == b"HTTP/1.0 408 Request Timeout"
    assert body == b"Audio not received in time (Audio.ReceiverTimeout=300 ms)\n"
    assert camera.device.audio.talker is None
    assert (await post(camera, "audio/basic", b"\xff" * 240))[0] == 204


async def test_a_talker_that_stalls_times_out(camera: Camera) -> None:
    """It sent 60 ms of audio, then nothing: it falls behind and is cut off; the next talker
    is accepted."""
    await update(camera, "Audio.ReceiverTimeout=200")
    reader, writer = await slow_talker(camera.server.port, blocks=2)
    status, _ = await read_head(reader)
    writer.close()
    assert status == b"HTTP/1.0 408 Request Timeout"
    assert len(wav_samples(newest_wav(camera))) == 480  # what came was played
    assert (await post(camera, "audio/basic", b"\xff" * 240))[0] == 204


async def test_a_truncated_body_plays_what_came(camera: Camera) -> None:
    """Content-Length promises more than comes: the talker's hang-up ends the talk."""
    _, writer = await slow_talker(camera.server.port, blocks=5)
    await wait_until(lambda: camera.device.audio.talker is not None)
    writer.transport.get_extra_info("socket").shutdown(socket.SHUT_WR)
    await wait_until(lambda: camera.device.audio.talker is None)
    writer.close()
    assert len(wav_samples(newest_wav(camera))) == 1200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"action=list"),
        ("application/x-www-form-urlencoded", b"a=b"),
        ("audio/wav", b"RIFF...."),
        ("audio/aac", b"\x00" * 240),
        ("multipart/x-mixed-replace", b"--myboundary\r\n"),
        ("multipart/x-mixed-replace; boundary=b", b"\x00garbage" * 1000),
        ("multipart/x-mixed-replace; boundary=b", b"--b\r\nContent-Type: text/html\r\n\r\n<p>"),
    ],
)
async def test_bad_bodies_are_refused(camera: Camera, content_type: str, body: bytes) -> None:
    status, reply = await post(camera, content_type, body)
    assert status == 400
    assert reply.endswith(b"\n")
    assert b"\n" not in reply[:-1]
    assert camera.device.audio.talker is None
    assert camera.device.audio.wav_files.newest() is None  # nothing played
    assert (await post(camera, "audio/basic", b"\xff" * 240))[0] == 204  # still works


async def test_no_content_type(camera: Camera) -> None:
    reply = await exchange(
        camera.server.port, "/audio/transmit.cgi", method="POST", body=b"\xff" * 240
    )
    assert reply.status == 400
    assert camera.device.audio.talker is None


async def test_head_and_get_of_transmit(camera: Camera) -> None:
    for method in ("HEAD", "GET"):
        reply = await exchange(camera.server.port, "/audio/transmit.cgi", method=method)
        assert reply.status == 405
        assert reply.header("Allow") == "POST"
    assert camera.device.audio.wav_files.newest() is None


async def test_duplex_modes(camera: Camera) -> None:
    await update(camera, "Audio.DuplexMode=get")
    status, reply = await post(camera, "audio/basic", b"\xff" * 240)
    assert (status, reply) == (404, b"Audio is receive-only (Audio.DuplexMode=get)\n")
    await update(camera, "Audio.DuplexMode=half&Audio.ReceiverTimeout=60000")
    audio = camera.device.audio
    _, writer = await slow_talker(camera.server.port)
    await wait_until(lambda: audio.talker is not None)
    assert all(p.muted for p in audio.producers)  # half duplex: the microphone is off
    async with open_raw(camera.server.port, "/audio/receive.cgi") as (reply, reader):
        assert reply.status == 200
        heard = await reader.readexactly(2400)
        assert set(heard) == {0xFF}  # µ-law silence while the talker talks
    writer.close()
    await wait_until(lambda: audio.talker is None and not any(p.muted for p in audio.producers))


async def test_disabled_audio_refuses_talk(camera: Camera) -> None:
    await update(camera, "Audio.A0.Enabled=no")
    status, reply = await post(camera, "audio/basic", b"\xff" * 240)
    assert (status, reply) == (404, b"Audio is disabled (Audio.A0.Enabled=no)\n")
