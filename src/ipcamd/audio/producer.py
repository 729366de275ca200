"""One audio input: read, paced, gained and encoded on its own thread while anyone listens.

The thread reads the source, cuts its samples into 30 ms chunks, paces them to real time (a
tone or a file; a feed or a microphone paces itself), applies the input gain, and encodes each
chunk once per format that has listeners. Whole 240-byte blocks go to the formats' feeds on the
event loop. A source that fails or has no audio gives silence while it is retried (1, 2, 4… up
to 30 s), so listeners keep a stream of the right rate.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from ipcamd.audio.codecs import SAMPLE_RATE, BlockAssembler, Codec, Encoder, Samples
from ipcamd.audio.feed import Feed, StreamFormat
from ipcamd.audio.sources.base import AudioSource
from ipcamd.audio.sources.tone import CHUNK, SilenceSource
from ipcamd.errors import SourceUnavailable

_LOGGER = logging.getLogger(__name__)

#: Seconds the source stays open after its last listener leaves.
LINGER = 1.0
MAX_BACKOFF = 30.0
#: Seconds of a chunk.
CHUNK_SECONDS = CHUNK / SAMPLE_RATE

SourceFactory = Callable[[], AudioSource]


def apply_gain(samples: Samples, gain_db: float | None) -> Samples:
    """``samples`` amplified by ``gain_db`` dB, clipped to 16 bits; None mutes."""
    if gain_db is None:
        return np.zeros_like(samples)
    if gain_db == 0:
        return samples
    scaled = samples.astype(np.float32) * np.float32(10 ** (gain_db / 20))
    clipped: Samples = np.clip(np.rint(scaled), -32768, 32767).astype(np.int16)
    return clipped


class AudioProducer:
    """Audio input ``index`` (``AudioSource.A<index>``); its feeds, one per format in use."""

    def __init__(self, index: int, factory: SourceFactory, *, linger: float = LINGER) -> None:
        self.index = index
        self.linger = linger
        #: Input gain in dB, None for mute (``AudioSource.A<n>.InputGain``); read by the thread.
        self.gain_db: float | None = 0.0
        #: True while a half-duplex unit has a talker: the input is muted.
        self.muted = False
        self._factory = factory
        self._feeds: dict[StreamFormat, Feed] = {}
        #: The formats with listeners, replaced (never changed) so the thread can read it.
        self._formats: frozenset[StreamFormat] = frozenset()
        self._users = 0
        self._reader: _Reader | None = None
        self._linger_handle: asyncio.TimerHandle | None = None
        self._threads: list[threading.Thread] = []
        self._closed = False

    # --------------------------------------------------------------- listeners

    def attach(self, fmt: StreamFormat) -> Feed:
        """A listener of ``fmt`` arrives: its feed (the source starts if it is not running)."""
        feed = self._feeds.get(fmt)
        if feed is None or feed.closed:
            feed = self._feeds[fmt] = Feed(fmt, f"audio {self.index}")
            self._formats = frozenset(self._feeds)
        feed.users += 1
        self._users += 1
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        if self._reader is None and not self._closed:
            self._start_reader()
        return feed

    def detach(self, feed: Feed) -> None:
        """A listener leaves; the last one of a format ends its encoder, the last one of all
        lets the source linger before it stops."""
        feed.users -= 1
        self._users -= 1
        if feed.users == 0 and self._feeds.get(feed.format) is feed:
            del self._feeds[feed.format]
            self._formats = frozenset(self._feeds)
            feed.close()
        if self._users == 0 and self._reader is not None:
            loop = asyncio.get_running_loop()
            self._linger_handle = loop.call_later(self.linger, self._stop_reader)

    def formats(self) -> frozenset[StreamFormat]:
        """The formats that have listeners now (what the thread encodes)."""
        return self._formats

    @property
    def running(self) -> bool:
        """True while the source is open (or being reopened)."""
        return self._reader is not None

    @property
    def listeners(self) -> int:
        """Listeners attached now."""
        return self._users

    def end_streams(self) -> None:
        """End every listener's stream now (a setting they depend on changed)."""
        for feed in list(self._feeds.values()):
            feed.close()

    # --------------------------------------------------------------- thread

    def _start_reader(self) -> None:
        reader = _Reader(self, asyncio.get_running_loop())
        self._reader = reader
        thread = threading.Thread(target=reader.run, name=f"ipcamd-audio{self.index}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _stop_reader(self) -> None:
        self._linger_handle = None
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.stop.set()

    def _deliver(self, reader: _Reader, fmt: StreamFormat, blocks: list[bytes]) -> None:
        """Runs on the event loop: hand what the thread encoded to the format's feed."""
        if reader is not self._reader:
            return
        feed = self._feeds.get(fmt)
        if feed is not None:
            feed.publish(blocks)

    def close(self) -> None:
        """Stop for good (shutdown): the thread, and every stream."""
        self._closed = True
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        self._stop_reader()
        self.end_streams()

    async def join(self, grace: float = 6.0) -> None:
        """Wait (off the loop) for the threads to end after :meth:`close`."""
        deadline = time.monotonic() + grace
        for thread in self._threads:
            remaining = deadline - time.monotonic()
            if remaining > 0:
                await asyncio.to_thread(thread.join, remaining)


class _Outlet:
    """One format's encoder on the thread, and the blocks it made that are not yet due.

    FFmpeg's G.726 encoder codes whole frames of about a quarter of a second (2048 samples at
    32 kbit/s, 2736 at 24), so its blocks come in bursts; they are released one per block
    period, starting one block period after the first burst, which is never before a block
    is ready. µ-law has no frames: each block is due as it is made.
    """

    def __init__(self, fmt: StreamFormat) -> None:
        self.encoder = Encoder(fmt.codec, fmt.packing)
        self.assembler = BlockAssembler()
        self._period = fmt.codec.info.block_seconds
        self._lead = 0.0 if fmt.codec is Codec.G711 else self._period
        self._waiting: deque[bytes] = deque()
        self._start: float | None = None
        self._released = 0

    def encode(self, chunk: Samples, now: float) -> list[bytes]:
        """Encode ``chunk``; the blocks due by ``now``."""
        blocks = self.assembler.push(self.encoder.encode(chunk))
        if blocks and self._start is None:
            self._start = now + self._lead
        self._waiting.extend(blocks)
        if self._start is None or now < self._start:
            return []
        allowed = int((now - self._start) / self._period) + 1 - self._released
        count = min(allowed, len(self._waiting))
        self._released += count
        return [self._waiting.popleft() for _ in range(count)]


class _Reader:
    """The loop of one producer thread; ``stop`` ends it."""

    def __init__(self, producer: AudioProducer, loop: asyncio.AbstractEventLoop) -> None:
        self.producer = producer
        self.loop = loop
        self.stop = threading.Event()
        self._pending = np.zeros(0, np.int16)
        self._outlets: dict[StreamFormat, _Outlet] = {}
        self._due = 0.0

    def run(self) -> None:
        producer = self.producer
        delay = 1.0
        self._due = time.monotonic()
        while not self.stop.is_set():
            source = producer._factory()
            started = time.monotonic()
            try:
                source.open()
                self._pump(source)
            except SourceUnavailable as err:
                _LOGGER.warning("Audio %d: %s", producer.index, err)
            except Exception:
                # A bug in a source must not take the unit's audio down with it.
                _LOGGER.exception("Audio %d: source failed", producer.index)
            finally:
                source.close()
            if self.stop.is_set():
                return
            delay = 1.0 if time.monotonic() - started > 10 else min(delay * 2, MAX_BACKOFF)
            _LOGGER.info("Audio %d: silence, reopening the source in %.0f s", producer.index, delay)
            self._silence(delay)

    def _pump(self, source: AudioSource) -> None:
        """Read until the source fails or the producer stops."""
        while not self.stop.is_set():
            samples = source.read()
            if not self._emit(samples, paced=not source.live):
                return

    def _silence(self, seconds: float) -> None:
        silence = SilenceSource()
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            if not self._emit(silence.read(), paced=True):
                return

    def _emit(self, samples: Samples, *, paced: bool) -> bool:
        """Cut ``samples`` into chunks, pace, gain and encode them; False once stopped."""
        self._pending = np.concatenate((self._pending, samples)) if len(self._pending) else samples
        while len(self._pending) >= CHUNK:
            chunk, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
            if paced and not self._wait_due():
                return False
            if not self._encode(chunk):
                return False
        return not self.stop.is_set()

    def _wait_due(self) -> bool:
        """Sleep until the next chunk is due (resynchronise after falling 1 s behind)."""
        now = time.monotonic()
        if now - self._due > 1.0:
            self._due = now
        if self._due > now and self.stop.wait(self._due - now):
            return False
        self._due += CHUNK_SECONDS
        return True

    def _encode(self, chunk: Samples) -> bool:
        producer = self.producer
        chunk = apply_gain(np.zeros_like(chunk) if producer.muted else chunk, producer.gain_db)
        wanted = producer.formats()
        for fmt in [f for f in self._outlets if f not in wanted]:
            del self._outlets[fmt]
        now = time.monotonic()
        for fmt in wanted:
            outlet = self._outlets.get(fmt)
            if outlet is None:
                outlet = self._outlets[fmt] = _Outlet(fmt)
            blocks = outlet.encode(chunk, now)
            if blocks and not self._post(fmt, blocks):
                return False
        return True

    def _post(self, fmt: StreamFormat, blocks: list[bytes]) -> bool:
        try:
            self.loop.call_soon_threadsafe(self.producer._deliver, self, fmt, blocks)
        except RuntimeError:  # the loop is closed: the server is gone
            self.stop.set()
            return False
        return True
