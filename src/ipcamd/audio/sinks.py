"""Where transmitted audio plays: WAV files in the data directory, or an ALSA device.

Both take 8 kHz mono 16-bit samples and run on the audio service's output thread (file and
device writes block). One sink is opened per talk and closed when the talk ends.

WAV files: ``<data dir>/audio/talk-000001.wav``, numbered on; a talk longer than
``max_seconds`` continues in the next file, and only the newest ``keep`` files are kept, so the
directory is bounded however much is said. A file's header is complete once it is closed.
"""

from __future__ import annotations

import logging
import re
import wave
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import av
import numpy as np

from ipcamd.audio.alsa import alsa_config
from ipcamd.audio.codecs import SAMPLE_RATE, Samples, pcm_frame
from ipcamd.errors import InvalidParameter, Unavailable

_LOGGER = logging.getLogger(__name__)

WAV = "wav"
_NAME = re.compile(r"talk-(\d{6,})\.wav")


class Sink(ABC):
    """One talk's output."""

    @abstractmethod
    def write(self, samples: Samples) -> None:
        """Play (or record) ``samples``."""

    @abstractmethod
    def close(self) -> None:
        """Finish the output; safe to call twice."""


def check_sink(spec: str) -> None:
    """Refuse (InvalidParameter) a sink setting other than ``wav`` or ``alsa:<device>``."""
    if spec != WAV and not (spec.startswith("alsa:") and len(spec) > len("alsa:")):
        raise InvalidParameter(f"unknown audio sink '{spec}' (wav, alsa:<device>)")


class WavFiles:
    """The numbered, bounded WAV files of one data directory."""

    def __init__(self, directory: Path, keep: int, max_seconds: float) -> None:
        self.directory = directory
        self.keep = max(1, keep)
        self.max_frames = max(1, int(max_seconds * SAMPLE_RATE))

    def numbers(self) -> list[int]:
        """The numbers of the files there, oldest first."""
        if not self.directory.is_dir():
            return []
        found = [_NAME.fullmatch(p.name) for p in self.directory.iterdir()]
        return sorted(int(m.group(1)) for m in found if m is not None)

    def path(self, number: int) -> Path:
        """The file with ``number``."""
        return self.directory / f"talk-{number:06d}.wav"

    def newest(self) -> Path | None:
        """The newest file, if any."""
        numbers = self.numbers()
        return self.path(numbers[-1]) if numbers else None

    def create(self) -> wave.Wave_write:
        """A new file after the newest; the oldest beyond ``keep`` are removed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        numbers = self.numbers()
        number = (numbers[-1] if numbers else 0) + 1
        for old in numbers[: max(0, len(numbers) + 1 - self.keep)]:
            self.path(old).unlink(missing_ok=True)
        out = wave.open(str(self.path(number)), "wb")  # noqa: SIM115 (closed by WavSink)
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        return out


class WavSink(Sink):
    """Records a talk into :class:`WavFiles`, a new file every ``max_seconds``."""

    def __init__(self, files: WavFiles) -> None:
        self._files = files
        self._out: wave.Wave_write | None = None
        self._frames = 0

    def write(self, samples: Samples) -> None:
        """Append ``samples`` (continuing in a new file at the size limit)."""
        data = np.asarray(samples, "<i2")
        while len(data):
            if self._out is None or self._frames >= self._files.max_frames:
                self.close()
                self._out, self._frames = self._files.create(), 0
            room = self._files.max_frames - self._frames
            part, data = data[:room], data[room:]
            self._out.writeframes(part.tobytes())
            self._frames += len(part)

    def close(self) -> None:
        """Close the current file (its header then holds its length)."""
        out, self._out = self._out, None
        if out is not None:
            out.close()


class AlsaSink(Sink):
    """Plays a talk on an ALSA device through FFmpeg's ALSA output (PyAV)."""

    def __init__(self, device: str) -> None:
        alsa_config()
        self._container: Any = None
        try:
            self._container = av.open(device, "w", format="alsa")
            self._stream: Any = self._container.add_stream(
                "pcm_s16le", rate=SAMPLE_RATE, layout="mono"
            )
            self._container.start_encoding()  # opens the device now, so a bad one fails here
        except (av.FFmpegError, OSError, ValueError) as err:
            if self._container is not None:
                self._container.close()
            raise Unavailable(f"ALSA device '{device}' cannot play: {err}") from err
        self._pts = 0

    def write(self, samples: Samples) -> None:
        """Hand ``samples`` to the device (blocks while its buffer is full)."""
        frame = pcm_frame(samples, self._pts)
        self._pts += len(samples)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        """Drain and close the device."""
        container, self._container = self._container, None
        if container is None:
            return
        try:
            for packet in self._stream.encode(None):
                container.mux(packet)
            container.close()
        except (av.FFmpegError, OSError, ValueError) as err:
            _LOGGER.warning("Closing the ALSA output: %s", err)


def open_sink(spec: str, files: WavFiles) -> Sink:
    """The sink a talk plays to (``wav`` or ``alsa:<device>``)."""
    if spec.startswith("alsa:"):
        return AlsaSink(spec[len("alsa:") :])
    return WavSink(files)
