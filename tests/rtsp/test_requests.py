"""Statuses and bad input: every one a clear status or a closed connection, never a hang, and
a client streaming meanwhile keeps streaming. Also the port: off, taken, kept by a restart."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from ipcamd.access import AccessLevel
from ipcamd.config import build_config
from ipcamd.errors import InvalidParameter
from ipcamd.rtsp import connection as rtsp_connection
from ipcamd.rtsp import session as rtsp_session
from ipcamd.rtsp import sinks as rtsp_sinks
from ipcamd.rtsp.handlers import Handlers
from tests.conftest import CameraFactory
from tests.rtsp.client import RtspClient, rtsp_camera
from tests.support import Camera
from tests.video.streams import wait_until

MEDIA = "/axis-media/media.amp"


def handlers_of(camera: Camera) -> Handlers:
    assert camera.server.rtsp is not None
    return camera.server.rtsp.handlers


async def closed(client: RtspClient) -> bool:
    """True when the server closes the connection within 10 s (what it sends first is read)."""
    try:
        while await asyncio.wait_for(client.reader.read(65536), 10):
            pass
    except ConnectionError:
        return True
    except TimeoutError:
        return False
    return True


async def test_statuses(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    port = camera.server.rtsp_port or 0
    await camera.add_user("vic", "v1", "axview")
    client = await RtspClient.connect(port, user=None)
    try:
        options = await client.request("OPTIONS")  # no credentials needed
        assert options.status == 200
        assert options.headers["public"].split(", ")[:3] == ["OPTIONS", "DESCRIBE", "SETUP"]
        assert options.headers["cseq"] == "1"
        refused = await client.request("DESCRIBE")
        assert refused.status == 401
        challenges = refused.headers["www-authenticate"].split("\n")
        realm = camera.device.authenticator.realm
        assert challenges[0].startswith(f'Digest realm="{realm}", nonce="')
        assert challenges[0].endswith(", stale=FALSE")
        assert challenges[1] == f'Basic realm="{realm}"'
    finally:
        client.close()
    wrong = await RtspClient.connect(port, password="wrong")
    viewer = await RtspClient.connect(port, user="vic", password="v1")
    try:
        assert (await wrong.request("DESCRIBE")).status == 401
        assert (await viewer.request("DESCRIBE")).status == 200
        cases = [
            ("?camera=9", 404),
            ("?videocodec=mpeg4", 400),
            ("?resolution=99x99", 400),
            ("?fps=abc", 400),
            ("?video=0", 400),  # nothing to stream
            ("?videokeyframeinterval=0", 400),
            ("?streamprofile=nosuch", 400),
            ("?compression=1&compression=2", 400),
        ]
        for query, status in cases:
            reply = await viewer.request("DESCRIBE", viewer.url + query)
            assert reply.status == status, (query, reply)
            assert reply.headers["content-type"] == "text/plain"
            assert reply.body.endswith(b"\r\n")
        unknown = await viewer.request("DESCRIBE", f"rtsp://127.0.0.1:{port}/live.sdp")
        assert unknown.status == 404
        assert (await viewer.request("RECORD")).status == 405
        assert (await viewer.request("FLY")).status == 501
        # Basic is accepted while the policy allows it.
        basic = await RtspClient.connect(port)
        try:
            token = "cm9vdDpwYXNz"  # root:pass
            await basic.send_raw(
                f"DESCRIBE rtsp://127.0.0.1:{port}{MEDIA} RTSP/1.0\r\nCSeq: 5\r\n"
                f"Authorization: Basic {token}\r\n\r\n".encode()
            )
            reply = await basic.read_reply()
            assert (reply.status, reply.headers["cseq"]) == (200, "5")
            assert reply.headers["content-type"] == "application/sdp"
        finally:
            basic.close()
    finally:
        wrong.close()
        viewer.close()


async def test_bad_input_never_stops_a_stream(
    camera_factory: CameraFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rtsp_connection, "HEAD_TIMEOUT", 1.0)  # a head must come within 1 s
    camera = await rtsp_camera(camera_factory)
    port = camera.server.rtsp_port or 0
    handlers = handlers_of(camera)
    streamer = await RtspClient.connect(port)
    await streamer.start("?resolution=160x120")
    await streamer.access_units(2)

    async def raw(data: bytes) -> RtspClient:
        client = await RtspClient.connect(port)
        await client.send_raw(data)
        return client

    try:
        # Garbage instead of a request line: 400, closed.
        client = await raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
        assert (await client.read_reply()).status == 400
        assert await closed(client)
        # Without CSeq: 400 (the connection stays usable).
        client = await raw(f"OPTIONS rtsp://127.0.0.1{MEDIA} RTSP/1.0\r\n\r\n".encode())
        reply = await client.read_reply()
        assert (reply.status, "cseq" in reply.headers) == (400, False)
        assert (await client.request("OPTIONS")).status == 200
        client.close()
        # A header block over 8 KiB: 400, closed.
        client = await raw(
            f"OPTIONS rtsp://127.0.0.1{MEDIA} RTSP/1.0\r\nCSeq: 1\r\n".encode()
            + b"X-Filler: " + b"a" * 9000 + b"\r\n\r\n"
        )  # fmt: skip
        assert (await client.read_reply()).status == 400
        assert await closed(client)
        # SETUP without DESCRIBE: 455; PLAY of an unknown session: 454.
        client = await RtspClient.connect(port)
        transport = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        reply = await client.request("SETUP", client.url + "/trackID=1", transport)
        assert reply.status == 455
        reply = await client.request("PLAY", headers={"Session": "DEADBEEF"})
        assert reply.status == 454
        assert (await client.request("PLAY")).status == 454  # no Session at all
        # Interleaved channel numbers out of range: 400; a channel in use: 461.
        assert (await client.request("DESCRIBE")).status == 200
        bad = {"Transport": "RTP/AVP/TCP;unicast;interleaved=256-257"}
        assert (await client.request("SETUP", client.url + "/trackID=1", bad)).status == 400
        assert (await client.request("SETUP", client.url + "/trackID=7", transport)).status == 404
        assert (await client.request("SETUP", client.url, transport)).status == 459
        first = await client.request("SETUP", client.url + "/trackID=1", transport)
        assert first.status == 200
        other = await client.request("DESCRIBE", client.url + "?event=on")
        assert other.status == 200
        again = await client.request("SETUP", client.url + "/trackID=3?event=on", transport)
        assert again.status == 461
        # Interleaved data on channels nobody set up is dropped.
        await client.send_raw(b"$\x09\x00\x04abcd")
        assert (await client.request("OPTIONS")).status == 200
        client.close()
        # A head trickling in, a line at a time, faster than the timeout: cut off all the same.
        client = await raw(f"OPTIONS rtsp://127.0.0.1{MEDIA} RTSP/1.0\r\n".encode())
        cut_off = False
        try:
            for _ in range(20):
                await asyncio.sleep(0.3)  # the client's pace, not a wait for the server
                await client.send_raw(b"X-Slow: 1\r\n")
        except ConnectionError:
            cut_off = True  # the server closed while the head was still coming
        assert cut_off
        client.close()
        # 100 half-open connections: bounded, closed after the head timeout.
        before = camera.server.rtsp.connections if camera.server.rtsp else 0
        half_open = [
            await raw(f"OPTIONS rtsp://127.0.0.1{MEDIA} RTSP/1.0\r\nCSeq: 1\r\n".encode())
            for _ in range(100)
        ]
        await streamer.access_units(3)  # still streaming meanwhile
        for client in half_open:
            assert await closed(client)
        rtsp = camera.server.rtsp
        assert rtsp is not None
        await wait_until(lambda: rtsp.connections <= before)
        # The stream went on all along.
        streamer.packets.clear()
        await streamer.access_units(3)
        assert len(handlers.sessions) == 1
    finally:
        streamer.close()


async def test_a_client_that_stops_reading_loses_whole_frames(
    camera_factory: CameraFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rtsp_sinks, "CONGESTED", 32 * 1024)
    camera = await rtsp_camera(camera_factory)
    port = camera.server.rtsp_port or 0
    sleeper = await RtspClient.connect(port)
    reader = await RtspClient.connect(port)
    try:
        sleeper_session = await sleeper.start("?videocodec=jpeg&compression=0")
        sleeper.writer.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_RCVBUF, 4096
        )
        await reader.start("?resolution=320x240")
        track = handlers_of(camera).sessions[sleeper_session].video
        assert track is not None
        sink = track.sink
        assert isinstance(sink, rtsp_sinks.InterleavedSink)
        sink._transport.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
        )
        # The sleeper reads nothing from now on; the server drops its frames, whole.
        await wait_until(lambda: track.dropped >= 5, timeout=30)
        units = await reader.access_units(5)
        assert all(units)
        # What waits for the sleeper is bounded: the limit plus at most one frame.
        assert sink._transport.get_write_buffer_size() <= rtsp_sinks.CONGESTED + 512 * 1024
    finally:
        sleeper.close()
        reader.close()


async def test_udp_sessions_expire_without_keep_alives(
    camera_factory: CameraFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rtsp_session, "SESSION_TIMEOUT", 1)
    camera = await rtsp_camera(camera_factory)
    rtsp = camera.server.rtsp
    assert rtsp is not None
    handlers = rtsp.handlers
    loop = asyncio.get_running_loop()
    sockets = []
    for _ in range(2):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        sockets.append(sock)
    try:
        quiet = await RtspClient.connect(rtsp.port)
        lively = await RtspClient.connect(rtsp.port)
        sessions = []
        for client, sock in ((quiet, sockets[0]), (lively, sockets[1])):
            rtp_port = sock.getsockname()[1]
            transport = f"RTP/AVP;unicast;client_port={rtp_port}-{rtp_port + 1}"
            sessions.append(await client.start("?video=0&event=on", transport=transport))
        reply_ports = handlers.sessions[sessions[0]]
        assert reply_ports.metadata is not None
        data = await asyncio.wait_for(loop.sock_recv(sockets[0], 65536), 10)
        assert data[1] & 0x7F == 98  # the first document came by UDP
        deadline = loop.time() + 30
        while sessions[0] in handlers.sessions:
            assert loop.time() < deadline
            keep = await lively.request("GET_PARAMETER", headers={"Session": sessions[1]})
            assert keep.status == 200
            handlers.expire()
            await asyncio.sleep(0.3)
        assert sessions[1] in handlers.sessions
        assert handlers.sessions[sessions[1]].video is None
        quiet.close()
        lively.close()
        # A session created over UDP outlives its connection (until it times out).
        await wait_until(lambda: rtsp.connections == 0)
        assert sessions[1] in handlers.sessions
    finally:
        for sock in sockets:
            sock.close()


async def test_port_off_taken_and_kept_by_a_restart(
    camera_factory: CameraFactory, caplog: pytest.LogCaptureFixture
) -> None:
    off = await camera_factory(rtsp_port=0)
    assert off.server.rtsp is None
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    taken = blocker.getsockname()[1]
    try:
        with caplog.at_level(logging.WARNING, logger="ipcamd.rtsp.server"):
            busy = await camera_factory(rtsp_port=taken)
        assert busy.server.rtsp is None
        [line] = [r.getMessage() for r in caplog.records if "RTSP not served" in r.getMessage()]
        assert f"cannot listen on 127.0.0.1:{taken}" in line
        assert "setcap cap_net_bind_service=+ep" in line
        assert (await busy.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand")).status == 200
    finally:
        blocker.close()
    camera = await rtsp_camera(camera_factory)
    port = camera.server.rtsp_port
    assert (await camera.get("/axis-cgi/restart.cgi")).status == 200
    await wait_until(lambda: camera.server.generation == 1 and camera.server.rtsp is not None)
    assert camera.server.rtsp_port == port
    client = await RtspClient.connect(port or 0)
    try:
        assert (await client.request("DESCRIBE")).status == 200
    finally:
        client.close()


async def test_the_ip_filter_applies(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    await camera.device.params.async_update(
        [
            ("Network.Filter.Input.AcceptAddresses", "127.0.0.1"),
            ("Network.Filter.Input.Policy", "deny"),
            ("Network.Filter.Enabled", "yes"),
        ],
        AccessLevel.ROOT,
    )
    client = await RtspClient.connect(camera.server.rtsp_port or 0)
    try:
        reply = await client.request("OPTIONS")
        assert reply.status == 403
        assert await closed(client)
    finally:
        client.close()


def test_rtsp_port_settings() -> None:
    assert build_config({"rtsp_port": -1}, {}).rtsp_port == -1
    assert build_config({}, {"rtsp_port": 8554}).rtsp_port == 8554
    assert build_config({}, {}).rtsp_port is None
    for bad in (-2, 65536):
        with pytest.raises(InvalidParameter, match="rtsp_port"):
            build_config({"rtsp_port": bad}, {})
    with pytest.raises(InvalidParameter, match="rtsp_port"):
        build_config({"rtsp_port": "554"}, {})


async def test_stray_datagrams_and_closed_client_ports_log_nothing(
    camera_factory: CameraFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's RTP and RTCP ports take anything (empty, garbage, oversized, from
    strangers) and a client that closed its ports (ICMP errors back) without a traceback."""
    camera = await rtsp_camera(camera_factory)
    rtsp = camera.server.rtsp
    assert rtsp is not None
    assert rtsp.handlers.udp is not None
    server_ports = rtsp.handlers.udp[2]
    gone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gone.bind(("127.0.0.1", 0))
    client_port = gone.getsockname()[1]
    gone.close()  # nobody listens there: the server's packets bounce
    client = await RtspClient.connect(rtsp.port)
    stray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        transport = f"RTP/AVP;unicast;client_port={client_port}-{client_port + 1}"
        session = await client.start("?video=0&event=on", transport=transport)
        for payload in (b"", b"\x80", b"\xff" * 7, bytes(range(256)) * 200, b"\x81\xc9\x00\x01"):
            for port in server_ports:
                stray.sendto(payload, ("127.0.0.1", port))
        await camera.get("/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=2")
        keep = await client.request("GET_PARAMETER", headers={"Session": session})
        assert keep.status == 200
        assert session in rtsp.handlers.sessions
    finally:
        stray.close()
        client.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == []
