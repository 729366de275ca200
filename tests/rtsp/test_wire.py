"""The pure parts on bytes: requests and replies, Transport, RTP (H.264 FU-A, JPEG), RTCP, SDP."""

from __future__ import annotations

import base64
import struct

import numpy as np
import pytest
import simplejpeg

from ipcamd.errors import InvalidParameter
from ipcamd.rtsp.audio import PcmuPackets
from ipcamd.rtsp.jpeg_rtp import MAX_SIDE, UnsupportedJpeg, jpeg_payloads, parse_jpeg
from ipcamd.rtsp.media import Media, Track, check_jpeg_size
from ipcamd.rtsp.protocol import (
    MAX_BODY,
    RtspError,
    cseq_of,
    format_response,
    parse_request,
    parse_target,
)
from ipcamd.rtsp.rtcp import NTP_OFFSET, is_rtcp, sender_report
from ipcamd.rtsp.rtp import h264_payloads, h264_units, rtp_packets
from ipcamd.rtsp.sdp import Presentation, build_sdp
from ipcamd.rtsp.transport import Lower, parse_transport
from ipcamd.video.h264 import split_annex_b
from ipcamd.video.render import Codec, RenderSpec

# --------------------------------------------------------------------------- requests


def test_request_is_parsed() -> None:
    request = parse_request(
        b"SETUP rtsp://cam/axis-media/media.amp/trackID=1?videocodec=h264 RTSP/1.0\r\n"
        b"CSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=4588-4589\r\n"
        b"Session: 12AB;timeout=60"
    )
    assert (request.method, request.cseq, request.session_id) == ("SETUP", "3", "12AB")
    assert request.header("TRANSPORT") == "RTP/AVP;unicast;client_port=4588-4589"


@pytest.mark.parametrize(
    ("head", "status", "closes"),
    [
        (b"\x16\x03\x01\x02\x00garbage", 400, True),
        (b"GET / HTTP/1.1\r\nHost: x", 400, True),
        (b"OPTIONS rtsp://cam/ RTSP/1.0\r\nUser-Agent: x", 400, False),  # no CSeq
        (b"OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: abc", 400, False),
        (b"OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2", 400, True),
        (b"OPTIONS rtsp://cam/ RTSP/2.0\r\nCSeq: 1", 505, False),
        (b"OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\nno colon here", 400, True),
        (b"OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: x", 400, True),
        (f"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: {MAX_BODY + 1}".encode(), 413, True),
        (b"OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\n\xff\xfe: x", 400, True),
    ],
)
def test_unreadable_requests_get_a_status(head: bytes, status: int, closes: bool) -> None:
    with pytest.raises(RtspError) as caught:
        parse_request(head)
    assert (caught.value.status, caught.value.close) == (status, closes)


def test_cseq_of_an_unreadable_head_is_echoed() -> None:
    assert cseq_of(b"BROKEN\r\nCSeq: 42\r\nX") == "42"
    assert cseq_of(b"BROKEN") is None


def test_target_splits_track_and_query() -> None:
    target = parse_target("rtsp://cam:554/axis-media/media.amp/trackID=3?event=on&video=0")
    assert (target.path, target.track, dict(target.query)) == (
        "/axis-media/media.amp",
        3,
        {"event": "on", "video": "0"},
    )
    assert parse_target("rtsp://cam/axis-media/media.amp").track is None
    for bad in ("rtsp://cam/a?x=1&x=2", "http://cam/", "rtsp://cam/a?x=%ff"):
        with pytest.raises(RtspError) as caught:
            parse_target(bad)
        assert caught.value.status == 400


def test_reply_is_one_block_with_cseq_and_length() -> None:
    reply = format_response(200, "7", [("Session", "AB;timeout=60")], b"v=0\r\n")
    assert reply == (
        b"RTSP/1.0 200 OK\r\nCSeq: 7\r\nServer: ipcamd\r\nSession: AB;timeout=60\r\n"
        b"Content-Length: 5\r\n\r\nv=0\r\n"
    )


# --------------------------------------------------------------------------- Transport


def test_transport_choices() -> None:
    udp = parse_transport("RTP/AVP;unicast;client_port=4588-4589")
    assert (udp.lower, udp.rtp, udp.rtcp) == (Lower.UDP, 4588, 4589)
    tcp = parse_transport("RTP/AVP/TCP;unicast;interleaved=2-3")
    assert (tcp.lower, tcp.rtp, tcp.rtcp) == (Lower.TCP, 2, 3)
    # The first choice served wins; multicast is skipped.
    first = parse_transport("RTP/AVP;multicast;port=5000-5001,RTP/AVP/TCP;interleaved=0-1")
    assert first.lower is Lower.TCP
    assert udp.reply((6970, 6971), 0xAB) == (
        "RTP/AVP;unicast;client_port=4588-4589;server_port=6970-6971;ssrc=000000AB"
    )
    assert tcp.reply((0, 0), 1) == "RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=00000001"


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 400),
        ("RTP/AVP/TCP;unicast;interleaved=256-257", 400),
        ("RTP/AVP/TCP;unicast;interleaved=255-256", 400),
        ("RTP/AVP/TCP;unicast;interleaved=x", 400),
        ("RTP/AVP/TCP;unicast", 400),
        ("RTP/AVP;unicast;client_port=70000-70001", 400),
        ("RTP/AVP;multicast", 461),
        ("RAW/RAW/UDP;unicast;client_port=5000", 461),
    ],
)
def test_bad_transports(header: str | None, status: int) -> None:
    with pytest.raises(RtspError) as caught:
        parse_transport(header)
    assert caught.value.status == status


# --------------------------------------------------------------------------- H.264


def test_small_units_go_whole_and_large_ones_in_fu_a() -> None:
    sps, pps = b"\x67" + bytes(10), b"\x68\x01\x02"
    idr = b"\x65" + bytes(range(256)) * 20  # 5121 bytes
    payloads = h264_payloads([sps, pps, idr], limit=1400)
    assert payloads[:2] == [sps, pps]
    fragments = payloads[2:]
    assert len(fragments) == 4
    assert all(len(p) <= 1400 for p in fragments)
    assert [p[0] for p in fragments] == [0x7C] * 4  # F=0, NRI=3 of 0x65, type 28
    assert [p[1] for p in fragments] == [0x85, 0x05, 0x05, 0x45]  # start ... end, type 5
    assert h264_units(payloads) == [sps, pps, idr]


def test_rtp_packets_number_and_mark_the_last() -> None:
    packets = rtp_packets([b"a", b"b", b"c"], 96, 65534, 90000, 0x1234)
    seqs = [struct.unpack_from("!H", p, 2)[0] for p in packets]
    assert seqs == [65534, 65535, 0]
    assert [p[1] for p in packets] == [96, 96, 0x80 | 96]
    assert packets[0][:1] == b"\x80"
    assert struct.unpack_from("!II", packets[2], 4) == (90000, 0x1234)
    assert packets[2][12:] == b"c"


def test_annex_b_split() -> None:
    assert split_annex_b(b"\x00\x00\x00\x01\x67AB\x00\x00\x01\x68C\x00\x00\x00\x01\x65D") == [
        b"\x67AB",
        b"\x68C",
        b"\x65D",
    ]


# --------------------------------------------------------------------------- JPEG


def _jpeg(width: int, height: int, quality: int = 70) -> bytes:
    y = np.tile(np.arange(width, dtype=np.uint8), (height, 1))
    uv = np.full((height // 2, width // 2), 128, np.uint8)
    data: bytes = simplejpeg.encode_jpeg_yuv_planes(y, uv, uv, quality=quality)
    return data


def test_jpeg_is_split_per_rfc_2435() -> None:
    jpeg = _jpeg(320, 240)
    scan = parse_jpeg(jpeg)
    assert (scan.type, scan.width, scan.height, scan.restart_interval) == (1, 320, 240, 0)
    assert len(scan.tables) == 128  # luma and chroma tables, 64 bytes each
    assert jpeg.endswith(scan.scan + b"\xff\xd9")
    payloads = jpeg_payloads(scan, limit=600)
    first = payloads[0]
    # type-specific 0, offset 0, type 1, Q 255, 320/8, 240/8; then MBZ, precision, length 128.
    assert first[:8] == bytes([0, 0, 0, 0, 1, 255, 40, 30])
    assert first[8:12] == b"\x00\x00\x00\x80"
    assert first[12:140] == scan.tables
    rebuilt = first[140:]
    for payload in payloads[1:]:
        (offset,) = struct.unpack("!I", b"\x00" + payload[1:4])
        assert offset == len(rebuilt)
        assert payload[4:8] == bytes([1, 255, 40, 30])
        rebuilt += payload[8:]
    assert rebuilt == scan.scan
    assert all(len(p) <= 600 for p in payloads)


def test_unsupported_jpegs_are_refused() -> None:
    with pytest.raises(UnsupportedJpeg):
        parse_jpeg(b"not a jpeg")
    grey: bytes = simplejpeg.encode_jpeg(np.zeros((16, 16, 1), np.uint8), colorspace="GRAY")
    with pytest.raises(UnsupportedJpeg):
        parse_jpeg(grey)


def test_jpeg_over_rtp_size_limit() -> None:
    check_jpeg_size(MAX_SIDE, MAX_SIDE)
    for width, height in ((MAX_SIDE + 8, 480), (640, MAX_SIDE + 8), (644, 480)):
        with pytest.raises(InvalidParameter, match="JPEG over RTP"):
            check_jpeg_size(width, height)


# --------------------------------------------------------------------------- RTCP


def test_sender_report_layout() -> None:
    report = sender_report(0xA1B2C3D4, 1.5, 123456, packets=10, octets=9000, cname="ipcamd-x")
    assert is_rtcp(report)
    assert report[:4] == b"\x80\xc8\x00\x06"
    ssrc, seconds, fraction, rtp_time, packets, octets = struct.unpack_from("!6I", report, 4)
    assert (ssrc, seconds, fraction, rtp_time, packets, octets) == (
        0xA1B2C3D4,
        NTP_OFFSET + 1,
        1 << 31,
        123456,
        10,
        9000,
    )
    sdes = report[28:]
    assert sdes[:2] == b"\x81\xca"
    assert len(sdes) % 4 == 0
    assert sdes[8:10] == b"\x01\x08"
    assert sdes[10:18] == b"ipcamd-x"
    assert not is_rtcp(b"\x80\x60" + bytes(10))


# --------------------------------------------------------------------------- SDP


def test_sdp_of_video_and_events() -> None:
    spec = RenderSpec("1", 640, 480, 30, codec=Codec.H264, fps=15)
    media = Media("1", spec, metadata=True, audio=False)
    assert media.tracks == (Track.VIDEO, Track.METADATA)
    url = "rtsp://10.0.0.5/axis-media/media.amp?event=on"
    sps, pps = b"\x67\x42\xc0\x1e\xaa", b"\x68\xce"
    sdp = build_sdp(
        media,
        Presentation(url),
        session_id=1,
        server_address="10.0.0.5",
        parameter_sets=(sps, pps),
    ).decode()
    sprop = f"{base64.b64encode(sps).decode()},{base64.b64encode(pps).decode()}"
    assert sdp.endswith("\r\n")
    lines = sdp.split("\r\n")
    assert lines[0] == "v=0"
    assert f"a=control:{url}" in lines
    assert "m=video 0 RTP/AVP 96" in lines
    assert "a=rtpmap:96 H264/90000" in lines
    assert (
        f"a=fmtp:96 packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets={sprop}"
    ) in lines
    assert "a=control:rtsp://10.0.0.5/axis-media/media.amp/trackID=1?event=on" in lines
    tail = lines[lines.index("m=application 0 RTP/AVP 98") :]
    assert tail[1:3] == [
        "a=rtpmap:98 vnd.onvif.metadata/90000",
        "a=control:rtsp://10.0.0.5/axis-media/media.amp/trackID=3?event=on",
    ]


def test_sdp_of_jpeg() -> None:
    spec = RenderSpec("1", 320, 240, 30, codec=Codec.JPEG)
    sdp = build_sdp(
        Media("1", spec, metadata=False, audio=False),
        Presentation("rtsp://cam/axis-media/media.amp"),
        session_id=1,
        server_address="127.0.0.1",
        parameter_sets=None,
    ).decode()
    assert "m=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\n" in sdp
    assert "m=audio" not in sdp
    assert "m=application" not in sdp


def test_pcmu_time_stamps_count_samples_and_follow_the_clock_after_a_gap() -> None:
    packets = PcmuPackets()
    block = bytes(range(240))
    first = packets.packets([block], 100.03)
    assert len(first) == 1
    header = first[0][:12]
    assert (header[0], header[1]) == (0x80, 0x80 | 0)  # version 2; marker, payload type 0
    assert first[0][12:] == block
    start = struct.unpack_from("!I", header, 4)[0]
    assert start == packets.clock.at(100.0)
    # Blocks late by up to 100 ms (a busy thread, two at once) keep counting samples.
    later = packets.packets([block, block], 100.12)
    stamps = [struct.unpack_from("!I", p, 4)[0] for p in later]
    assert stamps == [(start + 240) & 0xFFFFFFFF, (start + 480) & 0xFFFFFFFF]
    assert [p[1] & 0x80 for p in later] == [0, 0]
    seqs = [struct.unpack_from("!H", p, 2)[0] for p in first + later]
    assert [(s - seqs[0]) & 0xFFFF for s in seqs] == [0, 1, 2]
    # A second of nothing (the source stalled): the stamp follows the clock, marker set.
    (resumed,) = packets.packets([block], 101.5)
    assert resumed[1] == 0x80
    assert struct.unpack_from("!I", resumed, 4)[0] == packets.clock.at(101.5 - 0.03)
