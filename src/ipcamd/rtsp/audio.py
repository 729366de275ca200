"""One camera's audio as PCMU over RTP (RFC 3551: payload type 0, 8000 Hz), packetised once
per block and handed to every session that plays it.

An :class:`AudioFeed` is one listener of the audio service (its G.711 µ-law feed of the
camera's input, which the service encodes once for every listener, HTTP ones included): it
counts once against ``Audio.MaxListeners`` however many sessions play it, as a video feed is
one consumer of the pipeline. Each 240-byte block (30 ms) becomes one RTP packet, one SSRC and
one sequence for the camera, the same bytes for every session. Time stamps count samples; they
follow the wall clock again (marker set, a new talkspurt) when blocks were skipped or the
source stalled, so the sender reports' mapping stays true.

When the audio service ends its streams (a setting changed), the feed listens again at once;
when the camera's audio is no longer served (switched off, transmit-only, shutting down) the
feed ends, and so do the sessions playing it, as when a camera is switched off.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from ipcamd.audio.service import AudioService, Listener
from ipcamd.errors import IpcamdError, StreamClosed
from ipcamd.rtsp.rtp import rtp_header
from ipcamd.rtsp.sdp import PCMU_PAYLOAD_TYPE, PCMU_RATE
from ipcamd.rtsp.sinks import Sink
from ipcamd.rtsp.tracks import FeedTrack, RtpClock, SharedFeed

_LOGGER = logging.getLogger(__name__)

PAYLOAD_TYPE = PCMU_PAYLOAD_TYPE
SAMPLE_RATE = PCMU_RATE
#: The codec the audio service is asked for.
CODEC = "g711"
#: Samples a time stamp may stray from the wall clock before it follows it again (100 ms).
RESYNC = SAMPLE_RATE // 10


def _distance(a: int, b: int) -> int:
    """``a - b`` on the 32-bit circle of RTP time stamps."""
    return ((a - b + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


class PcmuPackets:
    """The RTP packets of one camera's µ-law blocks: one SSRC, one sequence, and time stamps
    that count samples while blocks come in time, and follow the wall clock again (marker
    set) after a gap. Pure but for its random start."""

    def __init__(self) -> None:
        self.ssrc = secrets.randbits(32)
        self.clock = RtpClock(SAMPLE_RATE)
        self._seq = secrets.randbits(16)
        self._next: int | None = None

    def packets(self, blocks: list[bytes], now: float) -> list[bytes]:
        """The packets of ``blocks``, the newest of which ended at wall-clock time ``now``."""
        samples = sum(len(b) for b in blocks)
        expected = self.clock.at(now - samples / SAMPLE_RATE)
        timestamp = self._next
        marker = timestamp is None or abs(_distance(timestamp, expected)) > RESYNC
        if timestamp is None or marker:
            timestamp = expected
        packets = []
        for block in blocks:
            packets.append(rtp_header(PAYLOAD_TYPE, self._seq, timestamp, self.ssrc, marker))
            packets[-1] += block
            self._seq = (self._seq + 1) & 0xFFFF
            timestamp = (timestamp + len(block)) & 0xFFFFFFFF
            marker = False
        self._next = timestamp
        return packets


class AudioTrack(FeedTrack["AudioFeed"]):
    """One session's audio track on a feed."""

    def offer(self, packet: bytes) -> None:
        """A block's packet: sent, or dropped whole when the client is too slow."""
        if not self.playing:
            return
        if self.sink.congested:
            self.dropped += 1
            return
        self.sink.send_rtp(packet)
        self.packets += 1
        self.octets += len(packet) - 12


class AudioFeed(SharedFeed[AudioTrack]):
    """The PCMU packets of one camera's audio (see the module docstring).

    Raises what :meth:`AudioService.listen` raises: Disabled (404) when the camera's audio is
    not served, Busy (503) beyond ``Audio.MaxListeners``.
    """

    def __init__(
        self, camera: str, audio: AudioService, on_closed: Callable[[AudioFeed], None]
    ) -> None:
        super().__init__(on_closed)
        self.camera = camera
        self._audio = audio
        self._listener: Listener = audio.listen(camera, CODEC)
        self._packets = PcmuPackets()
        self.ssrc = self._packets.ssrc
        self.clock = self._packets.clock
        #: Blocks packetised since the feed opened (tests watch it).
        self.blocks = 0
        self._start()

    def _new_track(self, sink: Sink) -> AudioTrack:
        return AudioTrack(self, sink)

    async def _run(self) -> None:
        try:
            while True:
                try:
                    blocks = await self._listener.next_blocks()
                except StreamClosed:
                    # A setting changed under the service's streams: listen again, if served.
                    self._listener.close()
                    self._listener = self._audio.listen(self.camera, CODEC)
                    continue
                self.blocks += len(blocks)
                for packet in self._packets.packets(blocks, time.time()):
                    for track in list(self.tracks):
                        track.offer(packet)
        except IpcamdError as err:
            _LOGGER.info("RTSP audio of camera %s ends: %s", self.camera, err)

    def _release(self) -> None:
        """The listener leaves the audio service."""
        self._listener.close()
