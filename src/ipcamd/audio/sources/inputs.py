"""Which audio source a camera gets, from its URI (pure: checked at start-up, no FFmpeg here).

``tone`` and ``silence`` are built in; ``file:``, ``rtsp://``, ``http(s)://`` and ``alsa:`` are
opened by FFmpeg (PyAV). Without an audio URI of its own a camera takes the audio of its video
source: the test pattern has the tone, a file or a feed its own sound track (silence when it
has none), and a V4L2 webcam has none (its microphone is an ALSA device: ``alsa:hw:1``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ipcamd.errors import InvalidParameter
from ipcamd.urls import redact

TONE, SILENCE = "tone", "silence"
#: Seconds to open an input (and again to find its streams), and to wait for its next packet.
OPEN_TIMEOUT, READ_TIMEOUT = 10.0, 5.0


@dataclass(frozen=True)
class AvAudioInput:
    """One FFmpeg input: URL, demuxer and options, and whether it is played at its own pace."""

    url: str
    description: str
    format_name: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    #: A file loops and is paced to real time; a live input paces itself.
    loop: bool = False


def audio_uri_for(camera: int, audio: dict[int, str], video: dict[int, str]) -> str:
    """The audio URI of ``camera``: its own, else what its video source implies."""
    if camera in audio:
        return audio[camera]
    uri = video.get(camera, "testpattern")
    if uri == "testpattern":
        return TONE
    if uri.startswith("v4l2:"):
        return SILENCE
    return uri


def av_audio_input(uri: str) -> AvAudioInput | None:
    """The FFmpeg input of ``uri``; None for ``tone`` and ``silence``; InvalidParameter for a
    URI that is none of the known kinds."""
    if uri in (TONE, SILENCE):
        return None
    micros = str(int(READ_TIMEOUT * 1_000_000))
    if uri.startswith("file:") and len(uri) > len("file:"):
        return AvAudioInput(uri[len("file:") :], uri, loop=True)
    if uri.startswith("alsa:") and len(uri) > len("alsa:"):
        return AvAudioInput(uri[len("alsa:") :], uri, format_name="alsa")
    if uri.startswith("rtsp://") and len(uri) > len("rtsp://"):
        options = {"rtsp_transport": "tcp", "timeout": micros}
        return AvAudioInput(uri, redact(uri), options=options)
    if uri.startswith(("http://", "https://")) and uri.partition("://")[2]:
        return AvAudioInput(uri, redact(uri), options={"rw_timeout": micros})
    if uri.startswith("v4l2:"):
        raise InvalidParameter("V4L2 carries no sound: name the webcam's microphone, alsa:<device>")
    raise InvalidParameter(
        f"unknown audio source '{redact(uri)}' (tone, silence, file:<path>, rtsp://…, "
        "http://…, alsa:<device>)"
    )
