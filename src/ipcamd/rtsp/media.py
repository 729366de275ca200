"""``/axis-media/media.amp`` and its arguments: which tracks a presentation has.

The video arguments are the HTTP side's (``camera``, ``resolution``, ``compression``, ``fps``,
``rotation``, ``mirror``, the text overlay, ``streamprofile``…; validated by the same code,
over the same ``Image.I<n>`` settings), plus the RTSP ones: ``videocodec=h264|jpeg``
(default h264), ``videokeyframeinterval`` (H.264 pictures from one keyframe to the next),
``video=0|1``, ``audio=0|1`` (the camera's audio as PCMU, when the audio service serves it;
otherwise no audio track, as a unit with audio switched off answers) and ``event=on|off``.
A stream profile's ``Parameters`` may hold any of them; the request's own arguments win.
Unknown arguments are ignored, as on HTTP.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from ipcamd.errors import InvalidParameter
from ipcamd.rtsp.jpeg_rtp import MAX_SIDE
from ipcamd.video.render import Codec, RenderSpec
from ipcamd.video.service import VideoService

#: The one presentation this unit serves.
MEDIA_PATH = "/axis-media/media.amp"
MAX_KEYFRAME_INTERVAL = 1000


class Track(IntEnum):
    """A presentation's tracks by their ``trackID`` (the control URL's suffix)."""

    VIDEO = 1
    AUDIO = 2
    METADATA = 3


@dataclass(frozen=True, slots=True)
class Media:
    """A validated presentation: the video profile (None with ``video=0``), the audio track
    (asked for and served) and the metadata track."""

    camera: str
    video: RenderSpec | None
    metadata: bool
    audio: bool

    @property
    def tracks(self) -> tuple[Track, ...]:
        """The tracks served, in SDP order."""
        tracks = []
        if self.video is not None:
            tracks.append(Track.VIDEO)
        if self.audio:
            tracks.append(Track.AUDIO)
        if self.metadata:
            tracks.append(Track.METADATA)
        return tuple(tracks)


def _choice(args: Mapping[str, str], name: str, values: tuple[str, ...], default: str) -> str:
    raw = args.get(name, default)
    if raw not in values:
        raise InvalidParameter(f"Invalid {name} '{raw}' (one of {', '.join(values)})")
    return raw


def check_jpeg_size(width: int, height: int) -> None:
    """Refuse a JPEG picture RFC 2435 cannot describe: a side above 2040, or not a multiple
    of 8 (sizes travel in 8-pixel blocks in one byte)."""
    if width > MAX_SIDE or height > MAX_SIDE:
        raise InvalidParameter(
            f"JPEG over RTP is limited to {MAX_SIDE}x{MAX_SIDE} (RFC 2435); "
            f"{width}x{height} asked: use videocodec=h264"
        )
    if width % 8 or height % 8:
        raise InvalidParameter(f"JPEG over RTP needs sides in multiples of 8 ({width}x{height})")


def resolve_media(
    video: VideoService,
    args: Mapping[str, str],
    audio_served: Callable[[str], bool] = lambda camera: False,
) -> Media:
    """The presentation ``args`` ask for; ``audio_served(camera)`` says whether the camera's
    audio can be streamed now (``audio=1`` adds the track only then).

    Raises InvalidParameter (400: a bad argument or stream profile, JPEG beyond RFC 2435's
    2040x2040, nothing to stream), NotFound (404: an unknown camera) and Disabled (404: a
    camera switched off).
    """
    profile = args.get("streamprofile")
    merged = {**(video.stream_profile(profile) if profile else {}), **args}
    merged.pop("streamprofile", None)
    camera = merged.get("camera", "1")
    codec = Codec(_choice(merged, "videocodec", ("h264", "jpeg"), "h264"))
    want_video = _choice(merged, "video", ("0", "1"), "1") == "1"
    audio = _choice(merged, "audio", ("0", "1"), "0") == "1"
    metadata = _choice(merged, "event", ("on", "off"), "off") == "on"
    interval = 0
    if "videokeyframeinterval" in merged:
        raw = merged["videokeyframeinterval"]
        if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= MAX_KEYFRAME_INTERVAL:
            raise InvalidParameter(
                f"Invalid videokeyframeinterval '{raw}' (1 to {MAX_KEYFRAME_INTERVAL})"
            )
        interval = int(raw)
    options = video.options(camera, merged)  # NotFound, Disabled, InvalidParameter
    spec: RenderSpec | None = None
    if want_video:
        spec = dataclasses.replace(
            options.spec,
            codec=codec,
            keyframe_interval=interval if codec is Codec.H264 else 0,
        )
        if codec is Codec.JPEG:
            check_jpeg_size(*spec.output_size)
    camera_name = options.spec.camera
    media = Media(camera_name, spec, metadata, audio and audio_served(camera_name))
    if not media.tracks:
        reason = "video=0 and event=off" + (", and no audio is served" if audio else "")
        raise InvalidParameter(f"Nothing to stream ({reason})")
    return media
