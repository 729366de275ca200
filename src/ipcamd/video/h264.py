"""H.264 by libx264 (through PyAV): the encoder of RTSP's H.264 stream profiles.

One encoder per profile, fed one rendered picture at a time in frame order (the hub's
contract), so the stateful codec needs no lock. Settings are made for live streaming to many
clients at once: ``ultrafast`` and ``zerolatency`` (one access unit out per picture in, no
B-frames, no look-ahead), constrained baseline, a keyframe every ``keyframe_interval``
pictures, and SPS/PPS repeated before every keyframe, so a client that joins at any keyframe
(or ignores the SDP's ``sprop-parameter-sets``) can decode from it. A joining consumer asks
for a keyframe (:meth:`H264Encoder.request_keyframe`): the next picture becomes an IDR frame.

:func:`parameter_sets` gives the SPS and PPS an encoder of a spec will use without encoding
anything (libx264 writes them into the codec's extradata when it opens), for the SDP.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
import numpy as np

from ipcamd.video.encoder import Encoded, Encoder
from ipcamd.video.frame import Planes
from ipcamd.video.render import Codec, RenderSpec

#: Pictures from one keyframe to the next when the spec does not say (Axis's default).
DEFAULT_KEYFRAME_INTERVAL = 32
#: The nominal rate of a profile that takes every frame of its source (the test pattern's).
DEFAULT_FPS = 30
_NAL_SPS, _NAL_PPS = 7, 8


def crf_of(compression: int) -> int:
    """libx264's constant rate factor for the spec's compression (0 best ... 100 smallest):
    0 → 15, the default 30 → 24, 100 → 45."""
    return 15 + round(max(0, min(100, compression)) * 0.3)


def _context(spec: RenderSpec) -> Any:
    """An opened libx264 context with the settings of ``spec``."""
    width, height = spec.output_size
    fps = round(spec.fps) if spec.fps >= 1 else DEFAULT_FPS
    keyint = spec.keyframe_interval or DEFAULT_KEYFRAME_INTERVAL
    codec: Any = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base, codec.framerate = Fraction(1, fps), Fraction(fps)
    # SPS/PPS in extradata too (for the SDP), as well as before every keyframe.
    codec.flags |= av.codec.context.Flags.global_header
    codec.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "profile": "baseline",
        "crf": str(crf_of(spec.compression)),
        # A picture asked to be a keyframe becomes an IDR frame (a decoder can start there).
        "forced-idr": "1",
        "threads": "1",
        "x264-params": (
            f"keyint={keyint}:min-keyint={keyint}:scenecut=0:bframes=0:repeat-headers=1"
        ),
    }
    codec.open()
    return codec


def split_annex_b(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream, without their start codes.

    ``b"\\x00\\x00\\x00\\x01\\x67AB\\x00\\x00\\x01\\x68C"`` → ``[b"\\x67AB", b"\\x68C"]``.
    A NAL unit never ends in a zero byte, so zeros before a start code belong to it.
    """
    units = []
    for chunk in data.split(b"\x00\x00\x01"):
        unit = chunk.rstrip(b"\x00")
        if unit:
            units.append(unit)
    return units


def video_frame(planes: Planes) -> Any:
    """An FFmpeg frame of ``planes``: each plane copied once into the frame's buffers (row by
    row where FFmpeg pads its rows)."""
    frame: Any = av.VideoFrame(planes.width, planes.height, "yuv420p")
    for plane, source in zip(frame.planes, (planes.y, planes.u, planes.v), strict=True):
        if plane.line_size == source.shape[1]:
            plane.update(source)
        else:
            rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
            rows[: source.shape[0], : source.shape[1]] = source
    return frame


def parameter_sets(spec: RenderSpec) -> tuple[bytes, bytes]:
    """The SPS and PPS an encoder of ``spec`` writes (blocking: run it in a thread)."""
    units = split_annex_b(bytes(_context(spec).extradata or b""))
    sps = next((u for u in units if u[0] & 0x1F == _NAL_SPS), None)
    pps = next((u for u in units if u[0] & 0x1F == _NAL_PPS), None)
    if sps is None or pps is None:
        raise RuntimeError("libx264 gave no SPS/PPS")
    return sps, pps


class H264Encoder(Encoder):
    """libx264 for one profile: ``Encoded.data`` is one access unit in Annex B form."""

    codec = Codec.H264

    def __init__(self, spec: RenderSpec) -> None:
        self.spec = spec
        self._context: Any = _context(spec)
        self._pts = 0
        self._keyframe_due = True

    def encode(self, planes: Planes, seq: int, when: float) -> Encoded:
        """The access unit of one picture (an IDR frame when a keyframe was asked for)."""
        context = self._context
        if context is None:  # closed meanwhile: the profile has ended
            return Encoded(seq, when, b"", keyframe=False)
        frame = video_frame(planes)
        frame.pts = self._pts
        self._pts += 1
        if self._keyframe_due:
            self._keyframe_due = False
            frame.pict_type = av.video.frame.PictureType.I
        packets = context.encode(frame)
        data = b"".join(bytes(packet) for packet in packets)
        return Encoded(seq, when, data, keyframe=any(p.is_keyframe for p in packets))

    def request_keyframe(self) -> None:
        """The next picture is encoded as an IDR frame (with SPS and PPS before it)."""
        self._keyframe_due = True

    def close(self) -> None:
        """Free libx264's state (the profile's last consumer left). An encode running in the
        thread pool keeps its own reference and finishes; later ones give nothing."""
        self._context = None
