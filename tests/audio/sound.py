"""Helpers for the audio tests: FFmpeg's command line as the reference codec, tone analysis,
and reading a receive.cgi stream off a raw socket."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.spec.raw import TIMEOUT, read_head, request_bytes
from tests.support import require_tool

RATE = 8000
#: ``ffmpeg -f <format>`` of each codec name and packing, and its extra input options.
FORMATS = {
    ("g711", "g726"): ("mulaw", []),
    ("g711", "g726le"): ("mulaw", []),
    ("g726-32", "g726"): ("g726", ["-code_size", "4"]),
    ("g726-24", "g726"): ("g726", ["-code_size", "3"]),
    ("g726-32", "g726le"): ("g726le", ["-code_size", "4"]),
    ("g726-24", "g726le"): ("g726le", ["-code_size", "3"]),
}


def ffmpeg(*args: str, data: bytes = b"") -> bytes:
    """Run Debian's ffmpeg with ``args`` (stdin ``data``); its stdout."""
    command = [require_tool("ffmpeg"), "-loglevel", "error", "-y", *args]
    return subprocess.run(command, input=data, capture_output=True, check=True, timeout=60).stdout


def ffmpeg_decode(data: bytes, codec: str, packing: str = "g726") -> npt.NDArray[np.int16]:
    """What ``ffmpeg -f mulaw|g726|g726le`` makes of ``data``: 8 kHz mono samples."""
    fmt, options = FORMATS[(codec, packing)]
    raw = ffmpeg(
        "-f",
        fmt,
        *options,
        "-ar",
        str(RATE),
        "-ac",
        "1",
        "-i",
        "pipe:0",
        "-f",
        "s16le",
        "pipe:1",
        data=data,
    )
    return np.frombuffer(raw, np.int16)


def ffmpeg_encode(pcm: npt.NDArray[np.int16], codec: str, packing: str = "g726") -> bytes:
    """What ``ffmpeg -c:a pcm_mulaw|g726|g726le`` makes of 8 kHz mono ``pcm``."""
    fmt, _ = FORMATS[(codec, packing)]
    encoder = {"mulaw": "pcm_mulaw"}.get(fmt, fmt)
    rate = {"g711": "64000", "g726-32": "32000", "g726-24": "24000"}[codec]
    return ffmpeg(
        "-f",
        "s16le",
        "-ar",
        str(RATE),
        "-ac",
        "1",
        "-i",
        "pipe:0",
        "-c:a",
        encoder,
        "-b:a",
        rate,
        "-f",
        fmt,
        "pipe:1",
        data=np.asarray(pcm, "<i2").tobytes(),
    )


def dominant_frequency(samples: npt.NDArray[np.int16]) -> float:
    """The strongest frequency (Hz) of one second or more of samples (1 Hz resolution)."""
    window = samples[-RATE:].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
    return float(np.argmax(spectrum) * RATE / len(window))


def level_dbfs(samples: npt.NDArray[np.int16]) -> float:
    """The peak level of a sine, from its RMS: 20·log10(√2·rms / 32767)."""
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-9) * np.sqrt(2) / 32767)


def sine(frequency: float, seconds: float, dbfs: float = -6.0) -> npt.NDArray[np.int16]:
    """A test signal of our own (not the product's tone)."""
    n = np.arange(int(seconds * RATE))
    wave = 32767 * 10 ** (dbfs / 20) * np.sin(2 * np.pi * frequency * n / RATE)
    return np.rint(wave).astype(np.int16)


async def receive(port: int, target: str, size: int) -> tuple[bytes, list[bytes], bytes]:
    """GET ``target``; the status line, header lines and the first ``size`` body bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request_bytes(target))
        status, headers = await read_head(reader)
        body = await asyncio.wait_for(reader.readexactly(size), TIMEOUT)
        return status, headers, body
    finally:
        writer.close()


def write_media(path: Path, *args: str) -> Path:
    """A media file made by ffmpeg from its lavfi sources (``args`` before the path)."""
    ffmpeg(*args, str(path))
    return path
