"""What an audio source is: something that yields 8 kHz mono samples while it is open."""

from __future__ import annotations

from abc import ABC, abstractmethod

from ipcamd.audio.codecs import Samples


class AudioSource(ABC):
    """One audio input, read on its producer's thread (reads may block)."""

    #: What logs call it (a URL's password masked).
    description: str = "audio"
    #: True when reads block until the audio is due (a feed, a microphone); otherwise the
    #: producer paces the samples to real time (a tone, a file).
    live: bool = False

    def open(self) -> None:  # noqa: B027 (most sources have nothing to open)
        """Open the input; SourceUnavailable when it cannot be opened or has no audio."""

    @abstractmethod
    def read(self) -> Samples:
        """The next samples (1-D int16, 8 kHz mono); SourceUnavailable when it fails or ends."""

    def close(self) -> None:  # noqa: B027
        """Release the input; safe to call twice."""
