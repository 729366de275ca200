"""The H.264 encoder: SPS/PPS in the SDP equal the stream's, keyframes when asked, a profile's
frames decode with FFmpeg's decoder."""

from __future__ import annotations

import av
import numpy as np

from ipcamd.video.encoder import ENCODERS
from ipcamd.video.frame import Planes, solid
from ipcamd.video.h264 import (
    H264Encoder,
    crf_of,
    parameter_sets,
    split_annex_b,
    video_frame,
)
from ipcamd.video.render import Codec, RenderSpec

SPEC = RenderSpec("1", 320, 240, 30, codec=Codec.H264, keyframe_interval=10)


def moving(number: int) -> Planes:
    planes = solid(320, 240, 60).copy()
    planes.y[100:140, number * 4 : number * 4 + 40] = 220
    return planes


def kinds(data: bytes) -> list[int]:
    return [unit[0] & 0x1F for unit in split_annex_b(data)]


def test_keyframes_carry_parameter_sets_and_come_when_asked() -> None:
    encoder = ENCODERS[Codec.H264](SPEC)
    assert isinstance(encoder, H264Encoder)
    frames = [encoder.encode(moving(n), n, n / 30) for n in range(12)]
    assert [f.keyframe for f in frames] == [True] + [False] * 9 + [True, False]
    sps, pps = parameter_sets(SPEC)
    first = split_annex_b(frames[0].data)
    assert sps in first
    assert pps in first
    assert 5 in kinds(frames[0].data)
    encoder.request_keyframe()
    asked = encoder.encode(moving(12), 12, 12 / 30)
    assert asked.keyframe
    assert {7, 8, 5} <= set(kinds(asked.data))
    encoder.close()
    assert encoder.encode(moving(13), 13, 13 / 30).data == b""  # closed: nothing more


def test_frames_decode() -> None:
    encoder = H264Encoder(SPEC)
    decoder = av.CodecContext.create("h264", "r")
    decoded = []
    for number in range(8):
        packet = av.Packet(encoder.encode(moving(number), number, 0.0).data)
        decoded += decoder.decode(packet)
    assert len(decoded) >= 7
    picture = decoded[-1].to_ndarray(format="yuv420p")[:240]  # the luma plane
    assert picture.shape == (240, 320)
    assert abs(int(np.median(picture)) - 60) <= 2
    assert int(picture[120, 7 * 4 + 20]) > 200  # the box of the last frame


def test_compression_maps_to_crf() -> None:
    assert (crf_of(0), crf_of(30), crf_of(100)) == (15, 24, 45)


def test_padded_rows_are_copied_row_by_row() -> None:
    """720 wide: FFmpeg pads the 360-pixel chroma rows to 368."""
    planes = solid(720, 576, 50, 90, 200).copy()
    planes.y[10, 700] = 255
    frame = video_frame(planes)
    assert frame.planes[1].line_size != 360
    picture = frame.to_ndarray(format="yuv420p")
    assert picture.shape == (576 * 3 // 2, 720)
    assert int(picture[10, 700]) == 255
    assert int(picture[100, 100]) == 50
    chroma = frame.to_ndarray(format="yuv420p")[576:].reshape(-1)
    assert set(chroma[: 288 * 360].tolist()) == {90}
    assert set(chroma[288 * 360 :].tolist()) == {200}
