"""Sound from a file, an RTSP/HTTP feed or an ALSA capture device, through FFmpeg (PyAV).

FFmpeg decodes the first audio stream and its resampler (libswresample) turns it into 8 kHz
mono 16-bit samples; all of it runs on the producer's thread. An input without an audio stream
is SourceUnavailable (the producer then sends silence).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import av
import numpy as np

from ipcamd.audio.alsa import alsa_config
from ipcamd.audio.codecs import SAMPLE_RATE, Samples
from ipcamd.audio.sources.base import AudioSource
from ipcamd.audio.sources.inputs import OPEN_TIMEOUT, READ_TIMEOUT, AvAudioInput
from ipcamd.errors import SourceUnavailable

_LOGGER = logging.getLogger(__name__)

_FAILURES = (av.FFmpegError, OSError, ValueError)


class AvAudioSource(AudioSource):
    """The first audio stream of one FFmpeg input."""

    def __init__(self, spec: AvAudioInput) -> None:
        self.description = spec.description
        self.live = not spec.loop
        self._spec = spec
        self._container: Any = None
        self._frames: Iterator[Any] | None = None
        self._resampler: Any = None

    def open(self) -> None:
        """Open the input and find its audio; SourceUnavailable otherwise."""
        self.close()
        spec = self._spec
        if spec.format_name == "alsa":
            alsa_config()
        try:
            self._container = av.open(
                spec.url,
                format=spec.format_name,
                options=dict(spec.options),
                timeout=(OPEN_TIMEOUT, READ_TIMEOUT),
            )
        except _FAILURES as err:
            raise self._unavailable(err) from err
        if not self._container.streams.audio:
            self.close()
            raise SourceUnavailable(f"{self.description}: no audio stream")
        self._start()

    def _start(self) -> None:
        self._frames = self._container.decode(audio=0)
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)

    def read(self) -> Samples:
        """The samples of the next decoded frame, resampled (possibly none yet)."""
        if self._frames is None:
            raise SourceUnavailable(f"{self.description}: not open")
        frame = self._next_frame()
        try:
            converted = self._resampler.resample(frame)
        except _FAILURES as err:
            raise self._unavailable(err) from err
        if not converted:
            return np.zeros(0, np.int16)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in converted]).astype(np.int16)

    def _next_frame(self) -> Any:
        assert self._frames is not None
        for attempt in range(2):
            try:
                return next(self._frames)
            except StopIteration as err:
                if not self._spec.loop or attempt:
                    raise SourceUnavailable(f"{self.description}: end of stream") from err
                try:
                    self._container.seek(0)
                except _FAILURES as seek_err:
                    raise self._unavailable(seek_err) from seek_err
                self._start()
            except _FAILURES as err:
                raise self._unavailable(err) from err
        raise SourceUnavailable(f"{self.description}: no audio")

    def _unavailable(self, err: Exception) -> SourceUnavailable:
        """``err`` without the URL FFmpeg quotes (it may carry a password)."""
        return SourceUnavailable(f"{self.description}: {str(err).replace(self._spec.url, '…')}")

    def close(self) -> None:
        """Release FFmpeg's container."""
        container, self._container, self._frames = self._container, None, None
        if container is not None:
            try:
                container.close()
            except _FAILURES as err:
                _LOGGER.debug("Closing %s: %s", self.description, err)
