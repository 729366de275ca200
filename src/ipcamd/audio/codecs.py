"""The codecs of spec 5.8.1, through FFmpeg's own implementations (PyAV).

G.711 µ-law is FFmpeg's ``pcm_mulaw``; G.726 is its ``g726`` encoder and decoder, whose bit
packing is chosen per unit (:class:`Packing`): ``g726`` puts each codeword's most significant
bit first (ITU-T I.366.2 / AAL2 order, what ``ffmpeg -f g726`` reads), ``g726le`` the least
significant bit first (the RFC 3551 order of an RTP ``G726-32`` payload). Python 3.13 has no
``audioop``; nothing here needs it.

Every codec here carries 8 kHz mono; audio is ``int16`` samples (numpy) in and out. An encoder
and a decoder each keep the codec's state (G.726 is adaptive), so one of each serves one stream.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from ipcamd.errors import InvalidParameter

SAMPLE_RATE = 8000
#: Bytes of coded audio per block (5.8.3-5.8.5: "Each block of coded audio data is 240 byte").
BLOCK = 240

Samples = npt.NDArray[np.int16]


class Packing(StrEnum):
    """How G.726 codewords are packed into bytes (``Audiod.G726Packing``)."""

    #: Most significant bit of each codeword first (FFmpeg ``g726``; AAL2 / I.366.2).
    BIG_ENDIAN = "g726"
    #: Least significant bit first (FFmpeg ``g726le``; RFC 3551).
    LITTLE_ENDIAN = "g726le"


@dataclass(frozen=True)
class CodecInfo:
    """What identifies one wire format."""

    #: The MIME type of 5.8.1.
    mime: str
    #: The ``codec=`` value of receive.cgi.
    name: str
    bits_per_sample: int

    @property
    def bytes_per_second(self) -> int:
        """The stream's rate on the wire (8,000 bytes/s for µ-law)."""
        return SAMPLE_RATE * self.bits_per_sample // 8

    @property
    def block_seconds(self) -> float:
        """How long one 240-byte block plays (30 ms of µ-law, 60 of G.726-32, 80 of G.726-24)."""
        return BLOCK / self.bytes_per_second


class Codec(Enum):
    """The audio formats of spec 5.8.1."""

    G711 = CodecInfo("audio/basic", "g711", 8)
    G726_32 = CodecInfo("audio/32KADPCM", "g726-32", 4)
    #: The spec calls G.726 at 24 kbit/s ``audio/G723``.
    G726_24 = CodecInfo("audio/G723", "g726-24", 3)

    @property
    def info(self) -> CodecInfo:
        """The codec's wire facts."""
        value: CodecInfo = self.value
        return value

    @property
    def mime(self) -> str:
        """Its MIME type."""
        return self.info.mime

    @classmethod
    def from_mime(cls, mime: str) -> Codec:
        """The codec of a ``Content-Type`` value (parameters ignored, case-insensitive)."""
        wanted = mime.split(";", 1)[0].strip().lower()
        for codec in cls:
            if codec.mime.lower() == wanted:
                return codec
        raise InvalidParameter(
            f"Unsupported audio type '{mime}' (audio/basic, audio/32KADPCM, audio/G723)"
        )

    @classmethod
    def from_name(cls, name: str) -> Codec:
        """The codec called ``name`` (``g711``, ``g726-32``, ``g726-24``)."""
        for codec in cls:
            if codec.info.name == name:
                return codec
        raise InvalidParameter(f"Unknown codec '{name}' (g711, g726, g726-32, g726-24)")


def pcm_frame(samples: Samples, pts: int) -> Any:
    """``samples`` (1-D int16, 8 kHz mono) as an FFmpeg audio frame starting at ``pts``."""
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, np.int16).reshape(1, -1), format="s16", layout="mono"
    )
    frame.sample_rate = SAMPLE_RATE
    frame.pts = pts
    return frame


def _g726_name(packing: Packing) -> str:
    return packing.value


class Encoder:
    """PCM → one codec's bytes, with the codec's state kept from call to call.

    Feed it whole multiples of 8 samples (every codec then yields whole bytes).
    """

    def __init__(self, codec: Codec, packing: Packing = Packing.BIG_ENDIAN) -> None:
        self.codec = codec
        name = "pcm_mulaw" if codec is Codec.G711 else _g726_name(packing)
        context: Any = av.CodecContext.create(name, "w")
        context.sample_rate = SAMPLE_RATE
        context.layout = "mono"
        context.format = "s16"
        context.bit_rate = codec.info.bytes_per_second * 8
        context.open()
        self._context = context
        self._pts = 0

    def encode(self, samples: Samples) -> bytes:
        """The coded bytes of ``samples`` (1-D int16)."""
        frame = pcm_frame(samples, self._pts)
        self._pts += len(samples)
        return b"".join(bytes(packet) for packet in self._context.encode(frame))


class Decoder:
    """One codec's bytes → PCM, with the codec's state kept from call to call."""

    def __init__(self, codec: Codec, packing: Packing = Packing.BIG_ENDIAN) -> None:
        self.codec = codec
        self._holder: Any = None
        if codec is Codec.G711:
            context: Any = av.CodecContext.create("pcm_mulaw", "r")
            context.sample_rate = SAMPLE_RATE
            context.layout = "mono"
        else:
            # PyAV does not expose the decoder's code size (bits per coded sample); FFmpeg's raw
            # G.726 demuxer sets it from its own options, so its stream's decoder is the one.
            self._holder = av.open(
                io.BytesIO(b""),
                format=_g726_name(packing),
                options={
                    "code_size": str(codec.info.bits_per_sample),
                    "sample_rate": str(SAMPLE_RATE),
                },
            )
            context = self._holder.streams.audio[0].codec_context
        self._context = context
        #: Bytes that hold whole codewords: 8 codewords of 3 bits are 3 bytes.
        self._unit = 3 if codec is Codec.G726_24 else 1
        self._pending = b""

    def decode(self, data: bytes) -> Samples:
        """The samples of ``data`` (any length: bytes that end inside a group of codewords wait
        for the next call, since FFmpeg's decoder drops a packet's incomplete codewords)."""
        data = self._pending + data
        whole = len(data) - len(data) % self._unit
        data, self._pending = data[:whole], data[whole:]
        if not data:
            return np.zeros(0, np.int16)
        frames = [f.to_ndarray().reshape(-1) for f in self._context.decode(av.Packet(data))]
        if not frames:
            return np.zeros(0, np.int16)
        return np.concatenate(frames).astype(np.int16, copy=False)

    def close(self) -> None:
        """Release FFmpeg's objects."""
        if self._holder is not None:
            self._holder.close()
            self._holder = None


class BlockAssembler:
    """Cuts a stream of coded bytes into the spec's 240-byte blocks."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def push(self, data: bytes) -> list[bytes]:
        """The whole blocks ``data`` completes; the rest waits for the next push."""
        self._pending += data
        count = len(self._pending) // BLOCK
        blocks = [bytes(self._pending[i * BLOCK : (i + 1) * BLOCK]) for i in range(count)]
        del self._pending[: count * BLOCK]
        return blocks
