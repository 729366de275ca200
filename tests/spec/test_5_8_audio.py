"""Spec 5.8 replayed over a raw socket: every example of receive.cgi and transmit.cgi, under
every prefix, in HTTP/1.0 and 1.1, checked on the bytes as they come."""

from __future__ import annotations

import asyncio
import socket
import wave

import numpy as np
import pytest

from tests.audio.sound import ffmpeg_decode, ffmpeg_encode, sine
from tests.spec.raw import PREFIXES, TIMEOUT, VERSIONS, exchange, open_raw, read_head, request_bytes
from tests.support import Camera
from tests.system.helpers import wait_until

SPEC_MULTIPART = "multipart/x-mixed-replace;boundary=myboundary"
#: 5.8.5 example 2's Content-Type, as printed.
EXAMPLE_2_TYPE = "multipart/x-mixed-replace; boundary=--myboundary"


def assert_stream_head(
    status: bytes, headers: list[bytes], content_type: str, version: str
) -> None:
    """200, the one Content-Type, and a body that runs until the connection closes."""
    assert status == f"HTTP/{version} 200 OK".encode()
    types = [h for h in headers if h.lower().startswith(b"content-type:")]
    assert types == [f"Content-Type: {content_type}".encode()]
    names = [h.split(b":", 1)[0].lower() for h in headers]
    assert b"content-length" not in names
    assert b"transfer-encoding" not in names


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_8_3_singlepart_example(camera: Camera, prefix: str, version: str) -> None:
    """``http://myserver/audio/receive.cgi?httptype=singlepart``: audio/basic, then blocks."""
    target = f"{prefix}audio/receive.cgi?httptype=singlepart"
    async with open_raw(camera.server.port, target, version=version) as (reply, reader):
        assert_stream_head(reply.status_line, reply.header_lines, "audio/basic", version)
        audio = await asyncio.wait_for(reader.readexactly(240 * 10), TIMEOUT)
    samples = ffmpeg_decode(audio, "g711")
    assert len(samples) == 2400
    assert np.abs(samples).max() > 5000  # the tone, not silence


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_8_4_multipart_example(camera: Camera, prefix: str, version: str) -> None:
    """G.726 32 kbit/s, multipart: ``--myboundary`` then parts of 240-byte blocks, each part
    ``Content-Type: audio/32KADPCM\\r\\n\\r\\n<block>\\r\\n--myboundary\\r\\n``."""
    reply = await camera.get(
        "/param.cgi?action=update&AudioSource.A0.AudioEncoding=g726&AudioSource.A0.BitRate=32000"
    )
    assert reply.text == "OK\r\n"
    target = f"{prefix}audio/receive.cgi?httptype=multipart"
    async with open_raw(camera.server.port, target, version=version) as (reply, reader):
        assert_stream_head(reply.status_line, reply.header_lines, SPEC_MULTIPART, version)
        first = await asyncio.wait_for(reader.readexactly(14), TIMEOUT)
        assert first == b"--myboundary\r\n"
        head = b"Content-Type: audio/32KADPCM\r\n\r\n"
        blocks = []
        for _ in range(6):
            part = await asyncio.wait_for(reader.readexactly(len(head) + 240 + 16), TIMEOUT)
            assert part.startswith(head)
            assert part.endswith(b"\r\n--myboundary\r\n")
            blocks.append(part[len(head) : len(head) + 240])
    samples = ffmpeg_decode(b"".join(blocks), "g726-32")
    assert len(samples) == 6 * 480


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_8_2_httptype_default(camera: Camera, prefix: str) -> None:
    """Without httptype: ``Audiod.HttpMessageType`` (singlepart on a new unit)."""
    async with open_raw(camera.server.port, f"{prefix}audio/receive.cgi") as (reply, reader):
        assert_stream_head(reply.status_line, reply.header_lines, "audio/basic", "1.0")
        assert len(await asyncio.wait_for(reader.readexactly(240), TIMEOUT)) == 240


def example_head(prefix: str, version: str, content_type: str) -> bytes:
    """5.8.5's request heads, verbatim (with the authorization they omit)."""
    return request_bytes(
        f"{prefix}audio/transmit.cgi",
        method="POST",
        version=version,
        headers=[
            ("Content-Type", content_type),
            ("Content-Length", "9999999"),
            ("Connection", "Keep-Alive"),
            ("Cache-Control", "no-cache"),
        ],
    )


def example_2_body(coded: bytes) -> bytes:
    """As 5.8.5 prints it: the first part's audio ends in \\r\\n, the later ones do not, and
    the body ends with a part just begun."""
    blocks = [coded[i : i + 240] for i in range(0, len(coded), 240)]
    part = b"--myboundary\r\nContent-Type: audio/basic\r\n\r\n"
    body = part + blocks[0] + b"\r\n" + b"".join(part + block for block in blocks[1:])
    return body + part


async def talk_until_hang_up(camera: Camera, data: bytes) -> None:
    """Send ``data`` and close the sending side, as a talker ends a stream that never
    completes; the talk is over when the unit has freed its talker slot."""
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    try:
        writer.write(data)
        await writer.drain()
        await wait_until(lambda: camera.device.audio.talker is not None)
        writer.transport.get_extra_info("socket").shutdown(socket.SHUT_WR)
        await wait_until(lambda: camera.device.audio.talker is None)
        await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()


def played(camera: Camera) -> np.ndarray:
    path = camera.device.audio.wav_files.newest()
    assert path is not None
    with wave.open(str(path)) as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_8_5_example_1_singlepart(camera: Camera, prefix: str, version: str) -> None:
    coded = ffmpeg_encode(sine(600, 0.6), "g711")
    await talk_until_hang_up(camera, example_head(prefix, version, "audio/basic") + coded)
    assert np.array_equal(played(camera), ffmpeg_decode(coded, "g711"))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_8_5_example_2_multipart(camera: Camera, prefix: str, version: str) -> None:
    coded = ffmpeg_encode(sine(600, 0.6), "g711")
    await talk_until_hang_up(
        camera, example_head(prefix, version, EXAMPLE_2_TYPE) + example_2_body(coded)
    )
    assert np.array_equal(played(camera), ffmpeg_decode(coded, "g711"))


@pytest.mark.parametrize("version", VERSIONS)
async def test_5_8_5_a_complete_body_is_answered(camera: Camera, version: str) -> None:
    """A body that does end (its Content-Length reached) gets ``204 No Content``."""
    coded = ffmpeg_encode(sine(600, 0.3), "g711")
    reply = await exchange(
        camera.server.port,
        "/axis-cgi/audio/transmit.cgi",
        method="POST",
        version=version,
        headers=[("Content-Type", "audio/basic")],
        body=coded,
    )
    assert reply.status_line == f"HTTP/{version} 204 No Content".encode()
    assert np.array_equal(played(camera), ffmpeg_decode(coded, "g711"))


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_head_of_receive_is_its_head_and_transmit_405(camera: Camera, prefix: str) -> None:
    port = camera.server.port
    head = await exchange(port, f"{prefix}audio/receive.cgi?httptype=singlepart", method="HEAD")
    assert head.status == 200
    assert head.header("Content-Type") == "audio/basic"
    assert head.body == b""
    refused = await exchange(port, f"{prefix}audio/transmit.cgi", method="HEAD")
    assert refused.status == 405
    assert camera.device.audio.talker is None
    assert camera.device.audio.wav_files.newest() is None


async def test_the_status_line_of_a_refused_listener(camera: Camera) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    try:
        writer.write(request_bytes("/audio/receive.cgi?httptype=multi"))
        status, _ = await read_head(reader)
        assert status == b"HTTP/1.0 400 Bad Request"
    finally:
        writer.close()
