"""Audio sources: the test tone, silence, and FFmpeg inputs (files, feeds, ALSA devices)."""

from __future__ import annotations

from ipcamd.audio.sources.av_audio import AvAudioSource
from ipcamd.audio.sources.base import AudioSource
from ipcamd.audio.sources.inputs import SILENCE, av_audio_input
from ipcamd.audio.sources.tone import SilenceSource, ToneSource, tone_frequency

__all__ = ["AudioSource", "check_audio_uri", "open_audio_source"]


def check_audio_uri(uri: str) -> None:
    """Refuse (InvalidParameter) a URI no source understands, at start-up."""
    av_audio_input(uri)


def open_audio_source(uri: str, camera: int) -> AudioSource:
    """A new (unopened) source for ``uri`` feeding camera ``camera`` (1-based)."""
    spec = av_audio_input(uri)
    if spec is not None:
        return AvAudioSource(spec)
    if uri == SILENCE:
        return SilenceSource()
    return ToneSource(tone_frequency(camera))
