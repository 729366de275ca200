"""What each RTSP method does, and the state the methods share: sessions and video feeds.

OPTIONS needs no credentials (it is the ``axis`` library's keep-alive, sent without any), and
names a session it keeps alive. DESCRIBE and the SETUP that makes a session need a viewer
(Digest, or Basic when the policy allows it); later requests of a session are the session's,
from the address that made it (the session id is a 64-bit random capability). Every request
passes the IP filter first, as on HTTP.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ipcamd.auth.ipfilter import normalize_peer
from ipcamd.device import Device
from ipcamd.errors import NotFound, StreamClosed
from ipcamd.rtsp.audio import CODEC as AUDIO_CODEC
from ipcamd.rtsp.audio import AudioFeed
from ipcamd.rtsp.auth import RtspAuth, presentation_path
from ipcamd.rtsp.feeds import Feed
from ipcamd.rtsp.media import MEDIA_PATH, Media, Track, resolve_media
from ipcamd.rtsp.protocol import METHODS, Request, RtspError, format_response, parse_target
from ipcamd.rtsp.sdp import Presentation, build_sdp
from ipcamd.rtsp.session import MetadataTrack, Session, State
from ipcamd.rtsp.sinks import InterleavedSink, Sink, UdpSink
from ipcamd.rtsp.transport import Lower, parse_transport
from ipcamd.video.h264 import parameter_sets
from ipcamd.video.render import Codec, RenderSpec

if TYPE_CHECKING:
    from ipcamd.rtsp.connection import Connection

Headers = list[tuple[str, str]]


class Handlers:
    """The methods, over the unit's sessions and feeds (one instance per running server)."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.auth = RtspAuth(device.authenticator)
        self.sessions: dict[str, Session] = {}
        self.feeds: dict[RenderSpec, Feed] = {}
        #: One PCMU feed per camera whose audio a session plays.
        self.audio_feeds: dict[str, AudioFeed] = {}
        #: The server's RTP and RTCP UDP transports and their two ports, once bound.
        self.udp: (
            tuple[asyncio.DatagramTransport, asyncio.DatagramTransport, tuple[int, int]] | None
        ) = None
        #: A UDP client's RTCP address → its session (its receiver reports keep it alive).
        self.udp_peers: dict[tuple[str, int], str] = {}
        self._parameter_sets: dict[RenderSpec, tuple[bytes, bytes]] = {}
        self._producer = device.identity.serial_number
        self._methods: dict[str, Callable[[Connection, Request], Awaitable[bytes]]] = {
            "OPTIONS": self.options,
            "DESCRIBE": self.describe,
            "SETUP": self.setup,
            "PLAY": self.play,
            "PAUSE": self.pause,
            "TEARDOWN": self.teardown,
            "GET_PARAMETER": self.get_parameter,
        }

    # ------------------------------------------------------------------ dispatch

    async def handle(self, connection: Connection, request: Request) -> bytes:
        """The reply to ``request`` (RtspError and domain errors propagate)."""
        if not self.device.ip_filter.allows(normalize_peer(connection.peer)):
            raise RtspError(403, "Refused by the IP filter", close=True)
        method = self._methods.get(request.method)
        if method is None:
            if request.method in ("ANNOUNCE", "RECORD", "SET_PARAMETER", "REDIRECT"):
                raise RtspError(405, headers=[("Allow", ", ".join(METHODS))])
            raise RtspError(501)
        return await method(connection, request)

    def _session(self, connection: Connection, request: Request) -> Session:
        """The session a request names (454 when unknown, or made from another address)."""
        session_id = request.session_id
        if session_id is None:
            raise RtspError(454, "This request needs a Session header")
        session = self.sessions.get(session_id)
        if session is None or session.peer != connection.peer:
            raise RtspError(454, f"No session {session_id[:32]}")
        session.touch()
        return session

    @staticmethod
    def _reply(request: Request, headers: Headers | None = None, body: bytes = b"") -> bytes:
        return format_response(200, request.cseq, headers or [], body)

    # ------------------------------------------------------------------ methods

    async def options(self, connection: Connection, request: Request) -> bytes:
        """The methods served; keeps a named session alive (no credentials needed)."""
        session_id = request.session_id
        headers: Headers = [("Public", ", ".join(METHODS))]
        if session_id is not None and session_id in self.sessions:
            session = self._session(connection, request)
            headers.append(("Session", session.header))
        return self._reply(request, headers)

    async def get_parameter(self, connection: Connection, request: Request) -> bytes:
        """A keep-alive (its body, if any, is not answered)."""
        headers: Headers = []
        if request.session_id is not None:
            headers.append(("Session", self._session(connection, request).header))
        return self._reply(request, headers)

    @staticmethod
    def _check_path(url: str) -> None:
        """404 for anything but the media URL (before authentication, as HTTP's router)."""
        path = parse_target(url).path
        if path != MEDIA_PATH:
            raise RtspError(404, f"No such stream '{path[:64]}' (try {MEDIA_PATH})")

    def _media(self, url: str) -> tuple[Media, int | None]:
        target = parse_target(url)
        media = resolve_media(self.device.video, target.query, self._audio_served)
        return media, target.track

    def _audio_served(self, camera: str) -> bool:
        """True when the audio service streams ``camera``'s audio now (enabled, not
        transmit-only, a camera with an audio input)."""
        try:
            self.device.audio.check_listen(camera, AUDIO_CODEC)
        except (NotFound, StreamClosed):  # Disabled is a NotFound
            return False
        return True

    async def describe(self, connection: Connection, request: Request) -> bytes:
        """The SDP of the presentation the URL's arguments make."""
        self._check_path(request.url)
        await self.auth.async_user(request, connection.peer)
        media, track = self._media(request.url)
        if track is not None:
            raise RtspError(404, "DESCRIBE names a presentation, not a track")
        sets = None
        if media.video is not None and media.video.codec is Codec.H264:
            sets = await self._sets(media.video)
        presentation = Presentation(request.url)
        body = build_sdp(
            media,
            presentation,
            session_id=int(time.time()),
            server_address=connection.local,
            parameter_sets=sets,
        )
        connection.described.add(presentation_path(request.url))
        headers: Headers = [
            ("Content-Type", "application/sdp"),
            ("Content-Base", presentation.base + "/"),
        ]
        return self._reply(request, headers, body)

    async def _sets(self, spec: RenderSpec) -> tuple[bytes, bytes]:
        sets = self._parameter_sets.get(spec)
        if sets is None:
            sets = await asyncio.to_thread(parameter_sets, spec)
            if len(self._parameter_sets) > 64:
                self._parameter_sets.clear()
            self._parameter_sets[spec] = sets
        return sets

    async def setup(self, connection: Connection, request: Request) -> bytes:
        """One track of a new or existing session, over UDP or interleaved."""
        self._check_path(request.url)
        media, number = self._media(request.url)
        if number is None:
            raise RtspError(459, "SETUP names a track (its a=control URL)")
        if number not in [int(t) for t in media.tracks]:
            raise RtspError(404, f"No track {number} in this presentation")
        track = Track(number)
        choice = parse_transport(request.header("transport"))
        if request.session_id is not None:
            session = self._session(connection, request)
            if session.media != media:
                raise RtspError(455, "The track belongs to another presentation")
            if session.has(track):
                raise RtspError(455, f"Track {track} is set up already")
        else:
            if presentation_path(request.url) not in connection.described:
                raise RtspError(455, "SETUP before DESCRIBE on this connection")
            user = await self.auth.async_user(request, connection.peer)
            session = Session(
                media,
                Presentation(request.url).base,
                user,
                peer=connection.peer,
                interleaved=choice.lower is Lower.TCP,
                on_closed=self._forget,
            )
        if choice.lower is Lower.TCP:
            for channel in (choice.rtp, choice.rtcp):
                if channel in connection.channels:
                    raise RtspError(461, f"Interleaved channel {channel} is in use")
            sink: Sink = InterleavedSink(connection.writer.transport, choice.rtp, choice.rtcp)
            server_ports = (0, 0)
        else:
            if self.udp is None:
                raise RtspError(461, "UDP is not available: use RTP/AVP/TCP")
            rtp, rtcp, server_ports = self.udp
            sink = UdpSink(rtp, rtcp, connection.peer, (choice.rtp, choice.rtcp))
        ssrc = self._attach(session, track, media, sink)  # may refuse (503 beyond a limit)
        if isinstance(sink, UdpSink):
            self.udp_peers[sink.rtcp_address] = session.id
        if choice.lower is Lower.TCP:
            connection.channels[choice.rtp] = connection.channels[choice.rtcp] = session.id
            session.interleaved = True
        self.sessions[session.id] = session
        connection.sessions.add(session.id)
        headers: Headers = [
            ("Transport", choice.reply(server_ports, ssrc)),
            ("Session", session.header),
        ]
        return self._reply(request, headers)

    def _attach(self, session: Session, track: Track, media: Media, sink: Sink) -> int:
        """Add ``track`` to ``session`` over ``sink``; its SSRC."""
        if track is Track.VIDEO:
            assert media.video is not None
            feed = self.feeds.get(media.video)
            if feed is None or feed.closed:
                name = f"rtsp {media.video.describe()}"
                subscription = self.device.video.open_encoded(media.video, name=name)
                feed = Feed(media.video, subscription, self._feed_closed)
                self.feeds[media.video] = feed
            session.add_video(feed.join(sink))
            return feed.ssrc
        if track is Track.AUDIO:
            audio = self.audio_feeds.get(media.camera)
            if audio is None or audio.closed:
                audio = AudioFeed(media.camera, self.device.audio, self._audio_feed_closed)
                self.audio_feeds[media.camera] = audio
            session.add_audio(audio.join(sink))
            return audio.ssrc
        meta = MetadataTrack(self.device.bus, sink, self._producer)
        session.add_metadata(meta)
        return meta.ssrc

    async def play(self, connection: Connection, request: Request) -> bytes:
        """Every track of the session plays (video from a fresh keyframe)."""
        session = self._session(connection, request)
        if session.state is State.INIT:
            raise RtspError(455, "PLAY before SETUP")
        session.play()
        headers: Headers = [("Session", session.header), ("Range", "npt=now-")]
        return self._reply(request, headers)

    async def pause(self, connection: Connection, request: Request) -> bytes:
        """The session's tracks stop sending until the next PLAY."""
        session = self._session(connection, request)
        session.pause()
        return self._reply(request, [("Session", session.header)])

    async def teardown(self, connection: Connection, request: Request) -> bytes:
        """The session ends."""
        session = self._session(connection, request)
        session.close()
        for channel in [c for c, s in connection.channels.items() if s == session.id]:
            del connection.channels[channel]
        return self._reply(request)

    # ------------------------------------------------------------------ liveness

    def touch(self, session_id: str | None) -> None:
        """An RTCP packet of ``session_id`` arrived: it is alive."""
        if session_id is None:
            return
        session = self.sessions.get(session_id)
        if session is not None:
            session.touch()

    def streams_on(self, connection: Connection) -> bool:
        """True while a session made on ``connection`` lives (then it has no idle timeout:
        a UDP client may send its keep-alives only as often as the session timeout needs)."""
        return any(s in self.sessions for s in connection.sessions)

    def connection_closed(self, connection: Connection) -> None:
        """Interleaved sessions end with their connection; UDP ones live on."""
        for session_id in set(connection.channels.values()):
            session = self.sessions.get(session_id)
            if session is not None:
                session.close()
        connection.channels.clear()

    def expire(self) -> None:
        """Close the UDP sessions whose client went silent."""
        now = time.monotonic()
        for session in [s for s in self.sessions.values() if s.expired(now)]:
            session.close()

    def _forget(self, session: Session) -> None:
        self.sessions.pop(session.id, None)
        for address in [a for a, s in self.udp_peers.items() if s == session.id]:
            del self.udp_peers[address]

    def _feed_closed(self, feed: Feed) -> None:
        if self.feeds.get(feed.spec) is feed:
            del self.feeds[feed.spec]

    def _audio_feed_closed(self, feed: AudioFeed) -> None:
        if self.audio_feeds.get(feed.camera) is feed:
            del self.audio_feeds[feed.camera]

    def close(self) -> None:
        """Shutdown: every session and feed ends."""
        for session in list(self.sessions.values()):
            session.close()
        for feed in list(self.feeds.values()):
            feed.close()
        for audio in list(self.audio_feeds.values()):
            audio.close()
