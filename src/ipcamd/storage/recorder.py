"""The recorder: starts and stops recordings of cameras, each written by its own thread.

This is the API the event engine calls for triggered recordings (through
:class:`~ipcamd.storage.service.StorageService`, which first checks that the disk can take
them): :meth:`Recorder.start` with a :class:`RecordingRequest` (camera, type, event id, stream
options, seconds of pre-trigger video, locked), :meth:`Recorder.stop` with the id it gave, and
:meth:`Recorder.hold` to keep a camera's last seconds in memory for the pre-trigger part.
Every start is published as ``RecordingStarted`` and every end as ``RecordingStopped`` on the
unit's bus (after the files are complete and indexed). Loop only.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

from ipcamd.db import Database
from ipcamd.errors import IpcamdError
from ipcamd.events import EventBus, RecordingStarted, RecordingStopped, RecordingType
from ipcamd.storage import index
from ipcamd.storage.disk import Disk
from ipcamd.storage.feeds import MAX_PRE_TRIGGER, CameraFeed, FeedKey, FrameSource
from ipcamd.storage.model import Recording, RecordingStatus
from ipcamd.storage.writer import RecordingWriter, Sample, StopReason, WriterResult

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordingRequest:
    """What to record: a camera (1-4), why, and how."""

    camera: int
    type: RecordingType = RecordingType.TRIGGERED
    #: The event (rule) that asked for it: ``list.cgi``'s ``eventid``.
    event_id: str = ""
    #: Stream options over the camera's settings (``resolution``, ``fps``, ``compression``…).
    options: Mapping[str, str] = field(default_factory=dict)
    #: Seconds of video from before the request, from a buffer :meth:`Recorder.hold` keeps.
    pre_trigger: float = 0.0
    #: Keep it from cleanup and removal until unlocked.
    locked: bool = False

    @property
    def feed_key(self) -> FeedKey:
        """Which shared camera feed it records from."""
        return self.camera, tuple(sorted(self.options.items()))


class Session:
    """One active recording: its row, its writer thread, the feed it records from."""

    def __init__(self, recording: Recording, writer: RecordingWriter, feed: CameraFeed) -> None:
        self.recording = recording
        self.writer = writer
        self.feed = feed
        self.done: asyncio.Future[WriterResult] = asyncio.get_running_loop().create_future()

    def put(self, sample: Sample) -> None:
        """A frame from the feed."""
        self.writer.put(sample)

    def source_ended(self) -> None:
        """The camera went away: the recording ends with what it has."""
        self.writer.stop(StopReason.SOURCE_ENDED)


class PreTriggerHold:
    """Keeps a camera's last seconds in memory until :meth:`release` (a context manager)."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    def release(self) -> None:
        """Stop keeping frames for this hold (safe twice)."""
        release, self._release = self._release, None
        if release is not None:
            release()

    def __enter__(self) -> PreTriggerHold:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class Recorder:
    """Active recordings and the camera feeds they record from."""

    def __init__(
        self,
        *,
        db: Database,
        disk: Disk,
        bus: EventBus,
        source: FrameSource,
        device_time: Callable[[float], float],
        device_now: Callable[[], float],
        split: Callable[[], float],
        node: int,
        on_end: Callable[[Recording, WriterResult], None],
    ) -> None:
        self._db = db
        self._disk = disk
        self._bus = bus
        self._source = source
        self._device_time = device_time
        self._device_now = device_now
        self._split = split
        self._node = node
        self._on_end = on_end
        self._sessions: dict[str, Session] = {}
        self._feeds: dict[FeedKey, CameraFeed] = {}
        self._holds: dict[FeedKey, list[float]] = {}

    @property
    def sessions(self) -> Mapping[str, Session]:
        """The active recordings by id."""
        return self._sessions

    def frames(self, recording_id: str) -> int:
        """Frames an active recording has written so far (0 for any other)."""
        session = self._sessions.get(recording_id)
        return 0 if session is None else session.writer.frames

    # ------------------------------------------------------------------ feeds

    def _feed(self, key: FeedKey) -> CameraFeed:
        feed = self._feeds.get(key)
        if feed is not None and not feed.ended:
            return feed
        camera, options = key
        stream = self._source(camera, dict(options), f"recorder {camera}")
        keep = max(self._holds.get(key, []), default=0.0)
        feed = CameraFeed(key, stream, self._device_time, self._forget_feed, keep)
        self._feeds[key] = feed
        return feed

    def _forget_feed(self, feed: CameraFeed) -> None:
        if self._feeds.get(feed.key) is feed:
            del self._feeds[feed.key]

    def hold(
        self, camera: int, seconds: float, options: Mapping[str, str] | None = None
    ) -> PreTriggerHold:
        """Keep the last ``seconds`` (at most 30) of ``camera`` with ``options`` in memory, so
        that a :class:`RecordingRequest` with the same camera and options can start that far
        in the past. Raises what opening the camera raises (NotFound, Disabled…)."""
        key = RecordingRequest(camera, options=dict(options or {})).feed_key
        seconds = min(max(seconds, 0.0), MAX_PRE_TRIGGER)
        self._holds.setdefault(key, []).append(seconds)

        def release() -> None:
            held = self._holds.get(key, [])
            held.remove(seconds)
            if not held:
                self._holds.pop(key, None)
            self._refresh_keep(key)

        try:
            self._feed(key)
        except BaseException:
            release()
            raise
        self._refresh_keep(key)

        return PreTriggerHold(release)

    def buffered(self, camera: int, options: Mapping[str, str] | None = None) -> float:
        """Seconds of ``camera`` (with ``options``) held in memory now for pre-triggers."""
        feed = self._feeds.get(RecordingRequest(camera, options=dict(options or {})).feed_key)
        return 0.0 if feed is None else feed.buffered

    def _refresh_keep(self, key: FeedKey) -> None:
        feed = self._feeds.get(key)
        if feed is not None:
            feed.set_keep(max(self._holds.get(key, []), default=0.0))

    def reopen_held(self) -> None:
        """Open again the held feeds whose camera went away (called periodically)."""
        for key in list(self._holds):
            feed = self._feeds.get(key)
            if feed is None or feed.ended:
                try:
                    self._feed(key)
                except IpcamdError as err:  # a camera that is off is retried later
                    _LOGGER.debug("Pre-trigger feed of camera %s not open: %s", key[0], err)

    # ------------------------------------------------------------------ recordings

    async def start(self, request: RecordingRequest) -> Recording:
        """Start recording; returns the new recording (``id`` is its ``recordingid``).

        Raises NotFound (no such camera), Disabled, InvalidParameter (bad options).
        """
        feed = self._feed(request.feed_key)
        now = self._device_now()
        initial = feed.recent(request.pre_trigger, now) if request.pre_trigger > 0 else []
        recording = Recording(
            id=str(uuid.uuid1(node=self._node)),
            camera=request.camera,
            type=request.type,
            event_id=request.event_id,
            start=initial[0].when if initial else now,
            stop=None,
            status=RecordingStatus.ACTIVE,
            locked=request.locked,
            fps=_fps(request.options),
        )
        loop = asyncio.get_running_loop()

        def on_end(result: WriterResult) -> None:
            loop.call_soon_threadsafe(self._ended, recording.id, result)

        writer = RecordingWriter(
            recording.id,
            disk=self._disk,
            db=self._db,
            split=self._split(),
            on_end=on_end,
            initial=initial,
        )
        session = Session(recording, writer, feed)
        feed.attach(session)
        self._sessions[recording.id] = session
        try:
            await self._db.async_call(partial(index.insert_recording, recording=recording))
        except BaseException:
            self._sessions.pop(recording.id, None)
            feed.detach(session)
            raise
        writer.start()
        _LOGGER.info(
            "Recording %s of camera %s started (%s%s)",
            recording.id,
            recording.camera,
            recording.type,
            f", event {recording.event_id}" if recording.event_id else "",
        )
        self._bus.publish(RecordingStarted(recording.id, recording.camera, recording.type))
        return recording

    def _ended(self, recording_id: str, result: WriterResult) -> None:
        session = self._sessions.pop(recording_id, None)
        if session is None:
            return
        session.feed.detach(session)
        recording = session.recording
        if result.reason is StopReason.REQUESTED:
            _LOGGER.info("Recording %s stopped (%s frames)", recording_id, result.frames)
        else:
            _LOGGER.warning(
                "Recording %s stopped: %s (%s frames)", recording_id, result.reason, result.frames
            )
        if session.writer.dropped:
            _LOGGER.warning(
                "Recording %s lost %s frames: the disk did not keep up",
                recording_id,
                session.writer.dropped,
            )
        self._bus.publish(RecordingStopped(recording.id, recording.camera, recording.type))
        self._on_end(recording, result)
        session.done.set_result(result)

    async def stop(
        self, recording_id: str, reason: StopReason = StopReason.REQUESTED
    ) -> WriterResult | None:
        """Stop an active recording and wait until its files are complete and indexed (None:
        it was not active)."""
        session = self._sessions.get(recording_id)
        if session is None:
            return None
        session.writer.stop(reason)
        result = await asyncio.shield(session.done)
        await asyncio.to_thread(session.writer.join)
        return result

    async def stop_all(self, reason: StopReason, ids: Iterable[str] | None = None) -> None:
        """Stop every active recording (or those of ``ids``) and wait for them."""
        wanted = list(self._sessions) if ids is None else [i for i in ids if i in self._sessions]
        await asyncio.gather(*(self.stop(rid, reason) for rid in wanted))

    async def close(self) -> None:
        """Stop everything (the unit stops): recordings first, then the feeds."""
        await self.stop_all(StopReason.SHUTDOWN)
        self._holds.clear()
        feeds = list(self._feeds.values())
        self._feeds.clear()
        for feed in feeds:
            feed.close()
        await asyncio.gather(*(feed.wait_closed() for feed in feeds))


def _fps(options: Mapping[str, str]) -> float:
    try:
        return float(options.get("fps", "0"))
    except ValueError:
        return 0.0
