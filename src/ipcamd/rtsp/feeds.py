"""One video profile's RTP packets, made once per frame and handed to every session of it.

A :class:`Feed` is one internal consumer of the video pipeline (``open_encoded``) per
profile (camera, size, codec, compression, rate, keyframe interval…), shared by every RTSP
session that plays it: H.264 is encoded once, packetised once (one SSRC, one sequence), and
every session is given the same packet bytes. A session that starts playing (or lost frames
to congestion) waits for a keyframe; the feed asks the encoder for one at once, so it never
starts mid-GOP and waits at most one frame. A feed closes with its last session.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from ipcamd.rtsp.jpeg_rtp import PAYLOAD_TYPE as JPEG_PAYLOAD_TYPE
from ipcamd.rtsp.jpeg_rtp import UnsupportedJpeg, jpeg_payloads, parse_jpeg
from ipcamd.rtsp.rtp import h264_payloads, rtp_packets
from ipcamd.rtsp.sdp import H264_PAYLOAD_TYPE
from ipcamd.rtsp.sinks import RtpFrame, Sink
from ipcamd.rtsp.tracks import FeedTrack, RtpClock, SharedFeed
from ipcamd.video.encoder import Encoded
from ipcamd.video.h264 import split_annex_b
from ipcamd.video.render import Codec, RenderSpec
from ipcamd.video.stream import Subscription

_LOGGER = logging.getLogger(__name__)


class VideoTrack(FeedTrack["Feed"]):
    """One session's video track on a feed: sends whole frames, from a keyframe on."""

    def __init__(self, feed: Feed, sink: Sink) -> None:
        super().__init__(feed, sink)
        self._waiting_keyframe = True

    def play(self) -> None:
        """Start sending, from the next keyframe (asked for now)."""
        self.playing = True
        self._waiting_keyframe = True
        self.feed.request_keyframe()

    def offer(self, frame: RtpFrame) -> None:
        """A new frame of the feed: sent whole, dropped whole, or skipped until a keyframe."""
        if not self.playing:
            return
        if self._waiting_keyframe and not frame.keyframe:
            return
        if self.sink.congested:
            self.dropped += 1
            self._waiting_keyframe = True  # what follows would not decode without this frame
            return
        self._waiting_keyframe = False
        self.sink.send_frame(frame)
        self.packets += len(frame.packets)
        self.octets += frame.octets


class Feed(SharedFeed[VideoTrack]):
    """The packets of one profile (see the module docstring)."""

    def __init__(
        self,
        spec: RenderSpec,
        subscription: Subscription,
        on_closed: Callable[[Feed], None],
    ) -> None:
        super().__init__(on_closed)
        self.spec = spec
        self.ssrc = secrets.randbits(32)
        self.clock = RtpClock()
        #: Frames packetised since the feed opened (the benchmark and tests watch it).
        self.frames = 0
        self._seq = secrets.randbits(16)
        self._subscription = subscription
        self._payload_type = H264_PAYLOAD_TYPE if spec.codec is Codec.H264 else JPEG_PAYLOAD_TYPE
        self._start()

    def _new_track(self, sink: Sink) -> VideoTrack:
        return VideoTrack(self, sink)

    def request_keyframe(self) -> None:
        """The encoder makes the next frame a keyframe (a session starts playing)."""
        self._subscription.request_keyframe()

    def packetise(self, encoded: Encoded) -> RtpFrame | None:
        """The RTP packets of one encoded frame (None when it cannot be sent)."""
        if self.spec.codec is Codec.H264:
            payloads = h264_payloads(split_annex_b(encoded.data))
        else:
            try:
                payloads = jpeg_payloads(parse_jpeg(encoded.data))
            except UnsupportedJpeg as err:
                _LOGGER.warning("JPEG frame not sent over RTP: %s", err)
                return None
        if not payloads:
            return None
        timestamp = self.clock.at(encoded.time)
        packets = rtp_packets(payloads, self._payload_type, self._seq, timestamp, self.ssrc)
        self._seq = (self._seq + len(packets)) & 0xFFFF
        octets = sum(len(p) for p in payloads)
        return RtpFrame(packets, encoded.keyframe, timestamp, octets)

    async def _run(self) -> None:
        with self._subscription:
            async for encoded in self._subscription:
                frame = self.packetise(encoded)
                if frame is None:
                    continue
                self.frames += 1
                for track in list(self.tracks):
                    track.offer(frame)

    def _release(self) -> None:
        """The video consumer detaches (the profile ends with its last consumer)."""
        self._subscription.close()
