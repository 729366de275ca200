"""The codecs are FFmpeg's: our encoder's bytes and our decoder's samples are exactly what
Debian's ``ffmpeg`` command line makes of the same input, for every codec and packing."""

from __future__ import annotations

import numpy as np
import pytest

from ipcamd.audio.codecs import BLOCK, BlockAssembler, Codec, Decoder, Encoder, Packing
from tests.audio.sound import ffmpeg_decode, ffmpeg_encode, sine

CASES = [
    (Codec.G711, Packing.BIG_ENDIAN),
    (Codec.G726_32, Packing.BIG_ENDIAN),
    (Codec.G726_24, Packing.BIG_ENDIAN),
    (Codec.G726_32, Packing.LITTLE_ENDIAN),
    (Codec.G726_24, Packing.LITTLE_ENDIAN),
]


def speech_like() -> np.ndarray:
    """Two seconds of a mix (a sweep of levels and frequencies, and noise) in int16."""
    rng = np.random.default_rng(7)
    mix = sine(440, 2.0, -10).astype(np.int32) + sine(1900, 2.0, -20) + sine(97, 2.0, -14)
    mix += rng.integers(-800, 800, len(mix))
    return np.clip(mix, -32768, 32767).astype(np.int16)


@pytest.mark.parametrize(("codec", "packing"), CASES)
def test_encoder_is_bit_exact_with_ffmpeg(codec: Codec, packing: Packing) -> None:
    pcm = speech_like()
    encoder = Encoder(codec, packing)
    ours = b"".join(encoder.encode(pcm[i : i + 240]) for i in range(0, len(pcm), 240))
    reference = ffmpeg_encode(pcm, codec.info.name, packing.value)
    # G.726 codes whole frames (2048/2736 samples): the last partial frame is still in the
    # encoder, so compare what both have produced.
    assert len(ours) > len(reference) * 0.8
    assert ours == reference[: len(ours)]


@pytest.mark.parametrize(("codec", "packing"), CASES)
def test_decoder_is_bit_exact_with_ffmpeg(codec: Codec, packing: Packing) -> None:
    coded = ffmpeg_encode(speech_like(), codec.info.name, packing.value)
    decoder = Decoder(codec, packing)
    # Odd-sized pieces: a group of G.726-24 codewords split between two calls must decode
    # as if it had come whole.
    pieces = [coded[i : i + 101] for i in range(0, len(coded), 101)]
    ours = np.concatenate([decoder.decode(p) for p in pieces])
    decoder.close()
    reference = ffmpeg_decode(coded, codec.info.name, packing.value)
    assert len(ours) == len(reference)
    assert np.array_equal(ours, reference)


def test_the_two_packings_differ() -> None:
    """The parameter matters: the same audio packs to other bytes."""
    pcm = speech_like()
    big = Encoder(Codec.G726_32, Packing.BIG_ENDIAN).encode(pcm)
    little = Encoder(Codec.G726_32, Packing.LITTLE_ENDIAN).encode(pcm)
    assert big != little
    assert len(big) == len(little)


def test_wire_rates_and_block_periods() -> None:
    assert [c.info.bytes_per_second for c in Codec] == [8000, 4000, 3000]
    assert [round(c.info.block_seconds, 3) for c in Codec] == [0.03, 0.06, 0.08]
    assert [c.mime for c in Codec] == ["audio/basic", "audio/32KADPCM", "audio/G723"]


def test_blocks_are_240_bytes() -> None:
    assembler = BlockAssembler()
    assert assembler.push(b"a" * 100) == []
    blocks = assembler.push(b"b" * 500)
    assert [len(b) for b in blocks] == [BLOCK, BLOCK]
    assert blocks[0] == b"a" * 100 + b"b" * 140
    assert assembler.push(b"c" * 119) == []
    assert assembler.push(b"d") == [b"b" * 120 + b"c" * 119 + b"d"]
