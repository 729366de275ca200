"""The built-in sources: a test tone (the default) and silence.

The tone is a pure sine at -12 dBFS whose frequency says which camera it is: 1000 Hz for
camera 1, 800, 600 and 400 Hz for cameras 2-4. Sample ``n`` is ``A·sin(2πfn/8000)`` counted
from the moment the source opens, so the same stream is the same bytes on every run.
"""

from __future__ import annotations

import numpy as np

from ipcamd.audio.codecs import SAMPLE_RATE, Samples
from ipcamd.audio.sources.base import AudioSource

#: Samples per read: 30 ms, one µ-law block.
CHUNK = 240
#: The tone's level: -12 dBFS.
TONE_LEVEL_DBFS = -12.0
TONE_AMPLITUDE = round(32767 * 10 ** (TONE_LEVEL_DBFS / 20))


def tone_frequency(camera: int) -> int:
    """Hz of camera ``camera``'s test tone (1 → 1000, 2 → 800, 3 → 600, 4 → 400)."""
    return 1000 - 200 * (camera - 1)


class ToneSource(AudioSource):
    """A continuous sine, :data:`CHUNK` samples per read."""

    def __init__(self, frequency: int, amplitude: int = TONE_AMPLITUDE) -> None:
        self.description = f"tone {frequency} Hz"
        self._frequency = frequency
        self._amplitude = amplitude
        self._n = 0

    def open(self) -> None:
        """Start again at sample 0."""
        self._n = 0

    def read(self) -> Samples:
        """The next chunk of the sine."""
        n = np.arange(self._n, self._n + CHUNK, dtype=np.float64)
        self._n += CHUNK
        wave = self._amplitude * np.sin(2 * np.pi * self._frequency * n / SAMPLE_RATE)
        samples: Samples = np.rint(wave).astype(np.int16)
        return samples


class SilenceSource(AudioSource):
    """Digital silence (zeros), for a source without sound."""

    description = "silence"

    def read(self) -> Samples:
        """A chunk of zeros."""
        return np.zeros(CHUNK, np.int16)
