"""transmit.cgi's body parser on literal bytes: both boundary spellings, parts with and without
``\\r\\n`` before the boundary, counted parts, any split of the body, and malformed bodies."""

from __future__ import annotations

import pytest

from ipcamd.audio.codecs import Codec
from ipcamd.audio.transmit import MAX_HEAD, TransmitParser
from ipcamd.errors import InvalidParameter

A, B, C = b"\x01" * 240, b"\x02" * 240, b"\x03" * 240
SPEC_TYPE = "multipart/x-mixed-replace; boundary=--myboundary"


def spec_example_2(blocks: list[bytes]) -> bytes:
    """5.8.5 example 2's body: the first part's audio ends in \\r\\n, the others do not."""
    parts = [b"--myboundary\r\nContent-Type: audio/basic\r\n\r\n" + blocks[0] + b"\r\n"]
    parts += [b"--myboundary\r\nContent-Type: audio/basic\r\n\r\n" + b for b in blocks[1:]]
    return b"".join(parts) + b"--myboundary\r\nContent-Type: audio/basic\r\n\r\n"


def run(content_type: str, body: bytes, step: int | None = None) -> tuple[Codec | None, bytes]:
    parser = TransmitParser(content_type)
    pieces = []
    size = step or len(body) or 1
    for i in range(0, len(body), size):
        pieces += parser.feed(body[i : i + size])
    pieces += parser.finish()
    assert len({codec for codec, _ in pieces}) <= 1
    return parser.codec, b"".join(data for _, data in pieces)


@pytest.mark.parametrize("step", [None, 1, 7, 240, 241])
def test_spec_example_2_in_any_split(step: int | None) -> None:
    codec, audio = run(SPEC_TYPE, spec_example_2([A, B, C]), step)
    assert codec is Codec.G711
    assert audio == A + B + C


@pytest.mark.parametrize("step", [None, 1, 13])
def test_rfc_2046_boundaries(step: int | None) -> None:
    body = b"".join(
        b"--xyz\r\nContent-Type: audio/32KADPCM\r\n\r\n" + block + b"\r\n" for block in (A, B)
    )
    codec, audio = run("multipart/x-mixed-replace;boundary=xyz", body + b"--xyz--\r\n", step)
    assert codec is Codec.G726_32
    assert audio == A + B


def test_rfc_lines_under_a_dashed_parameter() -> None:
    """``boundary=--myboundary`` with RFC 2046 lines ``----myboundary`` works too."""
    body = b"----myboundary\r\nContent-Type: audio/G723\r\n\r\n" + A + b"\r\n----myboundary--"
    assert run(SPEC_TYPE, body) == (Codec.G726_24, A)


def test_parts_with_a_content_length_may_hold_anything() -> None:
    tricky = b"--myboundary\r\n" * 20
    body = (
        b"--b\r\nContent-Type: audio/basic\r\nContent-Length: 280\r\n\r\n"
        + tricky
        + b"\r\n--b\r\nContent-Type: audio/basic\r\n\r\n"
        + A
    )
    assert run("multipart/x-mixed-replace; boundary=b", body, 3) == (Codec.G711, tricky + A)


def test_quoted_boundary_and_a_preamble() -> None:
    body = b"\r\n--q\r\nContent-Type: AUDIO/BASIC\r\n\r\n" + A + b"\r\n--q--\r\nepilogue"
    assert run('multipart/x-mixed-replace; boundary="q"', body) == (Codec.G711, A)


@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        ("audio/basic", Codec.G711),
        ("audio/32KADPCM", Codec.G726_32),
        ("audio/G723", Codec.G726_24),
        ("audio/basic; rate=8000", Codec.G711),
    ],
)
def test_singlepart_is_all_audio(content_type: str, codec: Codec) -> None:
    body = A + b"--myboundary\r\n" + B
    assert run(content_type, body, 5) == (codec, body)


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "audio/wav", "application/x-www-form-urlencoded", "audio/aac"],
)
def test_other_content_types_are_refused(content_type: str | None) -> None:
    with pytest.raises(InvalidParameter):
        TransmitParser(content_type)


def test_multipart_needs_a_boundary() -> None:
    with pytest.raises(InvalidParameter, match="boundary"):
        TransmitParser("multipart/x-mixed-replace")


@pytest.mark.parametrize(
    "body",
    [
        b"\x00garbage" * (MAX_HEAD // 8 + 2),  # no boundary line at all
        b"--myboundary\r\n" + b"X" * (MAX_HEAD + 10),  # headers that never end
        b"--myboundaryZZ",  # a boundary line that is not one
        b"--myboundary\r\nContent-Type: text/html\r\n\r\n<p>",  # not audio
        b"--myboundary\r\nX-Other: 1\r\n\r\n" + A,  # no type at all
        b"--myboundary\r\nContent-Type: audio/basic\r\n\r\n"
        + A
        + b"--myboundary\r\nContent-Type: audio/G723\r\n\r\n"
        + B,  # a change of codec mid-talk
        b"--myboundary\r\nContent-Type: audio/basic\r\nContent-Length: x1\r\n\r\n",
    ],
)
def test_garbage_is_refused(body: bytes) -> None:
    parser = TransmitParser(SPEC_TYPE)

    def feed_all() -> None:
        for i in range(0, len(body), 64):
            parser.feed(body[i : i + 64])

    with pytest.raises(InvalidParameter):
        feed_all()


def test_a_truncated_part_plays_what_came() -> None:
    body = spec_example_2([A]) + B[:100]
    assert run(SPEC_TYPE, body, 50) == (Codec.G711, A + B[:100])
