"""A small RTSP client for the tests: raw requests, replies, interleaved packets; Digest as the
``axis`` library computes it (RFC 2069, no qop)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from ipcamd.rtsp.rtp import h264_units
from tests.conftest import CameraFactory
from tests.support import Camera

TIMEOUT = 20.0


@dataclass
class Reply:
    """A reply's status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes
    raw: bytes = b""

    @property
    def session(self) -> str:
        return self.headers["session"].split(";")[0]


@dataclass
class Packet:
    """One interleaved frame: channel and RTP/RTCP bytes."""

    channel: int
    data: bytes

    @property
    def marker(self) -> bool:
        return bool(self.data[1] & 0x80)

    @property
    def payload_type(self) -> int:
        return self.data[1] & 0x7F

    @property
    def seq(self) -> int:
        return int(struct.unpack_from("!H", self.data, 2)[0])

    @property
    def timestamp(self) -> int:
        return int(struct.unpack_from("!I", self.data, 4)[0])

    @property
    def ssrc(self) -> int:
        return int(struct.unpack_from("!I", self.data, 8)[0])

    @property
    def payload(self) -> bytes:
        return self.data[12:]


def digest_header(user: str, password: str, realm: str, nonce: str, method: str, uri: str) -> str:
    """RFC 2069 Digest (what the ``axis`` library sends)."""

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    response = md5(f"{md5(f'{user}:{realm}:{password}')}:{nonce}:{md5(f'{method}:{uri}')}")
    return (
        f'Digest username="{user}", realm="{realm}", algorithm="MD5", nonce="{nonce}", '
        f'uri="{uri}", response="{response}"'
    )


@dataclass
class RtspClient:
    """One connection to the server under test."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    url: str
    user: str | None = "root"
    password: str = "pass"
    cseq: int = 0
    packets: list[Packet] = field(default_factory=list)
    _challenge: tuple[str, str] | None = None

    @classmethod
    async def connect(cls, port: int, path: str = "/axis-media/media.amp", **kw: Any) -> RtspClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, f"rtsp://127.0.0.1:{port}{path}", **kw)

    def close(self) -> None:
        self.writer.close()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_reply(self) -> Reply:
        """The next reply (interleaved packets before it are kept in ``packets``)."""
        while True:
            first = await asyncio.wait_for(self.reader.readexactly(1), TIMEOUT)
            if first == b"$":
                self.packets.append(await self._packet())
                continue
            head = first + await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            lines = head.decode().split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    key = name.strip().lower()
                    value = value.strip()
                    headers[key] = f"{headers[key]}\n{value}" if key in headers else value
            length = int(headers.get("content-length", "0"))
            body = await self.reader.readexactly(length) if length else b""
            return Reply(status, headers, body, head + body)

    async def _packet(self) -> Packet:
        channel, length = struct.unpack("!BH", await self.reader.readexactly(3))
        return Packet(channel, await self.reader.readexactly(length))

    async def next_packet(self) -> Packet:
        """The next interleaved packet."""
        if self.packets:
            return self.packets.pop(0)
        first = await asyncio.wait_for(self.reader.readexactly(1), TIMEOUT)
        assert first == b"$", first
        return await asyncio.wait_for(self._packet(), TIMEOUT)

    async def request(
        self, method: str, url: str | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        """One request; a 401 with a Digest challenge is answered once with credentials."""
        target = url or self.url
        for _ in range(2):
            self.cseq += 1
            lines = [f"{method} {target} RTSP/1.0", f"CSeq: {self.cseq}"]
            if self._challenge is not None and self.user is not None:
                realm, nonce = self._challenge
                auth = digest_header(self.user, self.password, realm, nonce, method, self.url)
                lines.append(f"Authorization: {auth}")
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            await self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode())
            reply = await self.read_reply()
            if reply.status != 401 or self.user is None or self._challenge is not None:
                return reply
            match = re.search(
                r'Digest realm="([^"]*)", nonce="([^"]*)"', reply.headers["www-authenticate"]
            )
            assert match is not None
            self._challenge = (match.group(1), match.group(2))
        return reply

    async def start(
        self, query: str = "", transport: str = "RTP/AVP/TCP;unicast;interleaved=0-1"
    ) -> str:
        """DESCRIBE, SETUP of every track, PLAY; returns the session id."""
        url = self.url + query
        self.url = url
        described = await self.request("DESCRIBE", url, {"Accept": "application/sdp"})
        assert described.status == 200, described
        controls = [
            line[len("a=control:") :]
            for line in described.body.decode().split("\r\n")
            if line.startswith("a=control:")
        ][1:]
        session: str | None = None
        for number, control in enumerate(controls):
            channels = f"interleaved={2 * number}-{2 * number + 1}"
            headers = {"Transport": transport.replace("interleaved=0-1", channels)}
            if session is not None:
                headers["Session"] = session
            setup = await self.request("SETUP", control, headers)
            assert setup.status == 200, setup
            session = setup.session
        assert session is not None
        play = await self.request("PLAY", url, {"Session": session})
        assert play.status == 200, play
        return session

    async def access_units(self, count: int, channel: int = 0) -> list[list[bytes]]:
        """The NAL units of the next ``count`` access units on ``channel``."""
        units: list[list[bytes]] = []
        payloads: list[bytes] = []
        while len(units) < count:
            packet = await self.next_packet()
            if packet.channel != channel:
                continue
            payloads.append(packet.payload)
            if packet.marker:
                units.append(h264_units(payloads))
                payloads = []
        return units


async def rtsp_camera(camera_factory: CameraFactory, **overrides: Any) -> Camera:
    """A unit serving RTSP on a free port."""
    camera: Camera = await camera_factory(rtsp_port=-1, **overrides)
    assert camera.server.rtsp_port, "RTSP did not start"
    return camera
