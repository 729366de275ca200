"""The session description DESCRIBE answers (RFC 8866; H.264 per RFC 6184, JPEG per RFC
2435/3551, PCMU per RFC 3551, ONVIF metadata): a pure function of the presentation.

Every media section has an absolute ``a=control`` URL, ``<presentation>/trackID=<n>`` with the
request's arguments, as Axis devices write them (the ``axis`` library takes the metadata
section's control URL as it is); the session-level control is the request URL itself.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import urlsplit

from ipcamd.rtsp import jpeg_rtp, metadata
from ipcamd.rtsp.media import Media, Track
from ipcamd.video.render import Codec

#: Dynamic RTP payload type of H.264.
H264_PAYLOAD_TYPE = 96
CLOCK_RATE = 90_000
#: G.711 µ-law: RFC 3551's static payload type and its clock (one sample a tick).
PCMU_PAYLOAD_TYPE = 0
PCMU_RATE = 8000


@dataclass(frozen=True, slots=True)
class Presentation:
    """Where a presentation lives: its URL as the client wrote it, split for control URLs."""

    url: str

    @property
    def base(self) -> str:
        """``rtsp://host[:port]/axis-media/media.amp`` (no track, no query)."""
        parts = urlsplit(self.url)
        path = parts.path.split("/trackID=", 1)[0].rstrip("/")
        return f"{parts.scheme}://{parts.netloc}{path}"

    def control(self, track: Track) -> str:
        """The absolute control URL of ``track``, the request's arguments kept."""
        query = urlsplit(self.url).query
        return f"{self.base}/trackID={int(track)}" + (f"?{query}" if query else "")


def build_sdp(
    media: Media,
    presentation: Presentation,
    *,
    session_id: int,
    server_address: str,
    parameter_sets: tuple[bytes, bytes] | None,
) -> bytes:
    """The SDP of ``media``; ``parameter_sets`` (SPS, PPS) for an H.264 video track."""
    family = "IP6" if ":" in server_address else "IP4"
    lines = [
        "v=0",
        f"o=- {session_id} 1 IN {family} {server_address}",
        "s=Session streamed by ipcamd",
        f"c=IN {family} {'::' if family == 'IP6' else '0.0.0.0'}",  # noqa: S104 - no bind
        "t=0 0",
        "a=tool:ipcamd",
        "a=range:npt=now-",
        f"a=control:{presentation.url}",
    ]
    spec = media.video
    if spec is not None:
        if spec.codec is Codec.H264:
            if parameter_sets is None:
                raise ValueError("an H.264 track needs its SPS and PPS")
            sps, pps = parameter_sets
            sprop = b",".join(base64.b64encode(unit) for unit in (sps, pps)).decode("ascii")
            lines += [
                f"m=video 0 RTP/AVP {H264_PAYLOAD_TYPE}",
                f"a=rtpmap:{H264_PAYLOAD_TYPE} H264/{CLOCK_RATE}",
                f"a=fmtp:{H264_PAYLOAD_TYPE} packetization-mode=1;"
                f"profile-level-id={sps[1:4].hex().upper()};sprop-parameter-sets={sprop}",
            ]
        else:
            lines += [
                f"m=video 0 RTP/AVP {jpeg_rtp.PAYLOAD_TYPE}",
                f"a=rtpmap:{jpeg_rtp.PAYLOAD_TYPE} JPEG/{CLOCK_RATE}",
            ]
        width, height = spec.output_size
        lines.append(f"a=x-dimensions:{width},{height}")
        if spec.fps:
            lines.append(f"a=framerate:{spec.fps:g}")
        lines.append(f"a=control:{presentation.control(Track.VIDEO)}")
    if media.audio:
        lines += [
            f"m=audio 0 RTP/AVP {PCMU_PAYLOAD_TYPE}",
            f"a=rtpmap:{PCMU_PAYLOAD_TYPE} PCMU/{PCMU_RATE}",
            f"a=control:{presentation.control(Track.AUDIO)}",
        ]
    if media.metadata:
        lines += [
            f"m=application 0 RTP/AVP {metadata.PAYLOAD_TYPE}",
            f"a=rtpmap:{metadata.PAYLOAD_TYPE} {metadata.ENCODING}",
            f"a=control:{presentation.control(Track.METADATA)}",
        ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
