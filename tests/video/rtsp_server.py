"""A minimal RTSP/1.0 server, a test fixture: one H.264 stream that FFmpeg can play.

Debian ships no standalone RTSP server binary, so the tests bring their own. It speaks just
enough of RFC 2326 for FFmpeg's RTSP client: OPTIONS, DESCRIBE (SDP with
``sprop-parameter-sets``), SETUP with ``RTP/AVP/TCP;interleaved=0-1`` (UDP gets ``461
Unsupported Transport``), PLAY, GET_PARAMETER (keep-alive) and TEARDOWN; RTP packets travel
interleaved on the RTSP connection (RFC 2326 section 10.12), H.264 packetised per RFC 6184
(single NAL unit packets and FU-A fragments). Any path is served.

The picture is a short clip encoded once with PyAV's libx264 and looped: a ramp with a box
moving across it, so consecutive frames differ. Tests can make the server misbehave through
:attr:`RtspServer.behaviour`, stop it (every connection closes) and start it again on the
same port.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import struct
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

import av
import numpy as np

#: RTP payload type of the stream (dynamic), its clock rate, and the largest RTP payload sent.
PAYLOAD_TYPE, CLOCK_RATE, MAX_PAYLOAD = 96, 90_000, 1400
_NAL_SPS, _NAL_PPS, _NAL_FU_A = 7, 8, 28


class Behaviour(StrEnum):
    """What the server does with a request (applies to requests and streams from then on)."""

    SERVE = "serve"  # a working camera
    GARBAGE = "garbage"  # answers the first request with bytes that are not RTSP, and hangs up
    SILENT = "silent"  # accepts connections, never answers
    STALL = "stall"  # answers, but sends no more RTP packets (a frozen feed)


@dataclass(frozen=True)
class Clip:
    """An encoded clip: each frame as its NAL units (without start codes)."""

    sps: bytes
    pps: bytes
    frames: tuple[tuple[bytes, ...], ...]
    fps: int


def encode_clip(width: int = 320, height: int = 240, fps: int = 15, count: int = 30) -> Clip:
    """``count`` frames of ``width`` x ``height``, an IDR frame every ``fps`` frames, no
    B-frames, so the clip loops cleanly from its first frame."""
    codec: Any = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base, codec.framerate = Fraction(1, fps), Fraction(fps)
    codec.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "x264-params": f"keyint={fps}:min-keyint={fps}:scenecut=0:bframes=0:repeat-headers=1",
    }
    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    frames: list[tuple[bytes, ...]] = []
    for index in itertools.chain(range(count), [None]):
        frame = None
        if index is not None:
            rgb = np.empty((height, width, 3), np.uint8)
            rgb[...] = ramp[None, :, None]
            x = index * (width - 64) // count
            rgb[height // 3 : height // 3 + 64, x : x + 64] = (255, 40, 40)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
        frames.extend(split_annex_b(bytes(packet)) for packet in codec.encode(frame))
    units = [unit for unit in frames[0] if unit]
    sps = next(unit for unit in units if unit[0] & 0x1F == _NAL_SPS)
    pps = next(unit for unit in units if unit[0] & 0x1F == _NAL_PPS)
    return Clip(sps, pps, tuple(frames), fps)


def split_annex_b(data: bytes) -> tuple[bytes, ...]:
    """The NAL units of an Annex B byte stream (start codes ``00 00 01`` / ``00 00 00 01``)."""
    units = [unit.rstrip(b"\x00") for unit in data.split(b"\x00\x00\x01")]
    return tuple(unit for unit in units if unit)


def rtp_packets(units: tuple[bytes, ...], seq: int, timestamp: int, ssrc: int) -> list[bytes]:
    """RFC 6184 packets for one access unit: a NAL unit whole if it fits, else in FU-A
    fragments; the marker bit on the access unit's last packet."""
    payloads: list[bytes] = []
    for unit in units:
        if len(unit) <= MAX_PAYLOAD:
            payloads.append(unit)
            continue
        indicator = (unit[0] & 0xE0) | _NAL_FU_A
        chunks = [unit[i : i + MAX_PAYLOAD] for i in range(1, len(unit), MAX_PAYLOAD)]
        for number, chunk in enumerate(chunks):
            start = 0x80 if number == 0 else 0
            end = 0x40 if number == len(chunks) - 1 else 0
            payloads.append(bytes([indicator, start | end | (unit[0] & 0x1F)]) + chunk)
    packets = []
    for number, payload in enumerate(payloads):
        marker = 0x80 if number == len(payloads) - 1 else 0
        header = struct.pack(
            "!BBHII", 0x80, marker | PAYLOAD_TYPE, (seq + number) & 0xFFFF, timestamp, ssrc
        )
        packets.append(header + payload)
    return packets


@dataclass
class RtspServer:
    """``await start()`` serves ``url``; ``await stop()`` closes the port and every session."""

    clip: Clip = field(default_factory=encode_clip)
    host: str = "127.0.0.1"
    port: int = 0
    path: str = "cam"
    #: ``(user, password)`` to demand with Basic authentication, or None for none.
    credentials: tuple[str, str] | None = None
    behaviour: Behaviour = Behaviour.SERVE
    #: When each connection came (loop time), every request line received (``"SETUP rtsp://…
    #: RTSP/1.0"``) and SETUP's Transport headers.
    connected: list[float] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    transports: list[str] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"rtsp://{self.host}:{self.port}/{self.path}"

    @property
    def sessions(self) -> int:
        """Connections open now."""
        return len(self._tasks)

    async def start(self) -> None:
        """Listen (again on the same port after :meth:`stop`)."""
        self._server = await asyncio.start_server(self._connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and reset every connection, as a camera that reboots."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connected.append(asyncio.get_running_loop().time())
        streaming: asyncio.Task[None] | None = None
        try:
            while (request := await _read_request(reader)) is not None:
                lines = request.split("\r\n")
                self.requests.append(lines[0])
                if self.behaviour is Behaviour.SILENT:
                    continue
                if self.behaviour is Behaviour.GARBAGE:
                    writer.write(b"\x16\x03\x01\x02\x00 this is no RTSP server\r\n\r\n")
                    await writer.drain()
                    break
                method = lines[0].partition(" ")[0]
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:])
                }
                status, extra, body = self._answer(method, headers)
                reply = f"RTSP/1.0 {status}\r\nCSeq: {headers.get('cseq', '0')}\r\n"
                reply += "".join(f"{name}: {value}\r\n" for name, value in extra.items())
                reply += f"Content-Length: {len(body)}\r\n\r\n" if body else "\r\n"
                writer.write(reply.encode() + body)
                await writer.drain()
                if method == "PLAY" and status.startswith("200") and streaming is None:
                    streaming = asyncio.create_task(self._stream(writer))
                elif method == "TEARDOWN":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if streaming is not None:
                streaming.cancel()
                await asyncio.gather(streaming, return_exceptions=True)
            writer.close()
            self._writers.discard(writer)
            self._tasks.discard(task)

    def _answer(self, method: str, headers: dict[str, str]) -> tuple[str, dict[str, str], bytes]:
        """Status line, extra headers and body for one request."""
        if self.credentials is not None:
            user, password = self.credentials
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            if headers.get("authorization") != f"Basic {token}":
                return "401 Unauthorized", {"WWW-Authenticate": 'Basic realm="test"'}, b""
        session = {"Session": "4711;timeout=60"}
        if method == "OPTIONS":
            return "200 OK", {"Public": "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"}, b""
        if method == "DESCRIBE":
            extra = {"Content-Base": f"{self.url}/", "Content-Type": "application/sdp"}
            return "200 OK", extra, self._sdp().encode()
        if method == "SETUP":
            transport = headers.get("transport", "")
            self.transports.append(transport)
            if not transport.startswith("RTP/AVP/TCP"):
                return "461 Unsupported Transport", {}, b""
            extra = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1", **session}
            return "200 OK", extra, b""
        if method in ("PLAY", "GET_PARAMETER", "TEARDOWN"):
            return "200 OK", session, b""
        return "405 Method Not Allowed", {}, b""

    def _sdp(self) -> str:
        clip = self.clip
        sets = b",".join(base64.b64encode(unit) for unit in (clip.sps, clip.pps)).decode()
        return (
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=ipcamd test\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
            "a=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
            f"a=fmtp:96 packetization-mode=1;profile-level-id={clip.sps[1:4].hex()};"
            f"sprop-parameter-sets={sets}\r\na=control:trackID=0\r\n"
        )

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        """Send the clip in a loop at its frame rate, on interleaved channel 0."""
        loop = asyncio.get_running_loop()
        clip, start, seq = self.clip, loop.time(), 0
        for number in itertools.count():
            await asyncio.sleep(max(0.0, start + number / clip.fps - loop.time()))
            if self.behaviour is not Behaviour.SERVE:
                continue
            timestamp = number * CLOCK_RATE // clip.fps
            packets = rtp_packets(clip.frames[number % len(clip.frames)], seq, timestamp, 0x1A2B)
            seq += len(packets)
            for packet in packets:
                writer.write(struct.pack("!cBH", b"$", 0, len(packet)) + packet)
            await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> str | None:
    """The next request's head (its body, if any, is read and dropped); None at the end.

    Interleaved binary frames from the client (its RTCP reports) are skipped.
    """
    while True:
        first = await reader.read(1)
        if not first:
            return None
        if first == b"$":
            _channel, length = struct.unpack("!BH", await reader.readexactly(3))
            await reader.readexactly(length)
            continue
        head = (first + await reader.readuntil(b"\r\n\r\n")).decode("utf-8", "replace")
        for line in head.split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                with contextlib.suppress(ValueError):
                    await reader.readexactly(int(value))
        return head.strip("\r\n")
