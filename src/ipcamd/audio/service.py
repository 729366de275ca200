"""The audio service: one producer per camera input, the listeners, the one talker, the sink.

Listeners (receive.cgi) attach to the producer of their camera's input and share its feeds:
each format is encoded once however many listen, and ``Audio.MaxListeners`` caps how many may.
One talker (transmit.cgi) at a time plays to the unit's sink; another gets :class:`Busy`. The
service follows its parameters live: a gain change applies to the next block, a change of what
a stream carries (encoding, bit rate, packing, source, enabled, duplex mode) ends the running
streams, whose clients reconnect to the new settings, as a real unit's do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from ipcamd.audio.codecs import Codec, Packing
from ipcamd.audio.feed import Feed, StreamFormat
from ipcamd.audio.producer import AudioProducer
from ipcamd.audio.schema import gain_db
from ipcamd.audio.sinks import Sink, WavFiles, check_sink, open_sink
from ipcamd.audio.sources import check_audio_uri, open_audio_source
from ipcamd.audio.talk import Talk
from ipcamd.errors import Busy, Disabled, InvalidParameter, NotFound, StreamClosed
from ipcamd.params.store import ParamChange, ParamStore

_LOGGER = logging.getLogger(__name__)

#: Settings whose change leaves the running streams' bytes wrong: they end.
_STREAM_SETTINGS = ("Enabled", "Source", "AudioEncoding", "BitRate", "G726Packing", "DuplexMode")


class Listener:
    """One admitted receive.cgi stream: its feed, its place in it, its slot."""

    def __init__(self, service: AudioService, producer: AudioProducer, fmt: StreamFormat) -> None:
        self._service = service
        self._producer = producer
        self.format = fmt
        self.feed: Feed = producer.attach(fmt)
        #: The last block sent (starts at the newest: a listener hears from now on).
        self.seq = self.feed.seq
        self._closed = False

    @property
    def codec(self) -> Codec:
        """What the stream carries."""
        return self.format.codec

    async def next_blocks(self) -> list[bytes]:
        """The blocks after the last one sent (waits for the next); StreamClosed at the end."""
        self.seq, blocks = await self.feed.after(self.seq)
        return blocks

    def close(self) -> None:
        """Give the slot back (at once)."""
        if self._closed:
            return
        self._closed = True
        self._producer.detach(self.feed)
        self._service.listeners -= 1

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class AudioService:
    """Audio inputs 1..N (one per camera), their listeners, and the talker's output."""

    def __init__(
        self,
        params: ParamStore,
        uris: Mapping[int, str],
        sink: str,
        wav_files: WavFiles,
    ) -> None:
        for uri in uris.values():
            check_audio_uri(uri)
        check_sink(sink)
        self.params = params
        self.sink = sink
        self.wav_files = wav_files
        self.cameras = len(uris)
        self.producers = [
            AudioProducer(index, partial(open_audio_source, uris[index + 1], index + 1))
            for index in range(self.cameras)
        ]
        #: Listeners being served now (what Audio.MaxListeners caps).
        self.listeners = 0
        self.talker: Talk | None = None
        #: Decoding and the sink's writes (files, devices block): one talk at a time, in order.
        self.output = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipcamd-audio-out")
        self._closed = False
        self._unsubscribe = [
            params.subscribe(group, self._on_params) for group in ("Audio", "AudioSource", "Audiod")
        ]
        self._apply_gains()

    # --------------------------------------------------------------- lifetime

    async def start(self) -> None:
        """Nothing runs until someone listens."""

    def close_streams(self) -> None:
        """End every stream and refuse new ones (shutdown)."""
        self._closed = True
        for producer in self.producers:
            producer.close()

    async def stop(self) -> None:
        """Stop the producers and wait for their threads; then the output thread."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self.close_streams()
        talker = self.talker
        if talker is not None:
            await talker.close()
        await asyncio.gather(*(producer.join() for producer in self.producers))
        self.output.shutdown(wait=False, cancel_futures=True)

    # --------------------------------------------------------------- settings

    def _get(self, name: str) -> str:
        return self.params.get(name)

    @property
    def duplex_mode(self) -> str:
        """``Audio.DuplexMode``: full, half, post (transmit only) or get (receive only)."""
        return self._get("Audio.DuplexMode")

    @property
    def packing(self) -> Packing:
        """``Audiod.G726Packing``."""
        return Packing(self._get("Audiod.G726Packing"))

    def default_httptype(self) -> str:
        """``Audiod.HttpMessageType``: what receive.cgi sends without ``httptype``."""
        return self._get("Audiod.HttpMessageType")

    def _apply_gains(self) -> None:
        for producer in self.producers:
            producer.gain_db = gain_db(self._get(f"AudioSource.A{producer.index}.InputGain"))

    def _on_params(self, change: ParamChange) -> None:
        self._apply_gains()
        if any(name.rsplit(".", 1)[-1] in _STREAM_SETTINGS for name in change.values):
            for producer in self.producers:
                producer.end_streams()

    # --------------------------------------------------------------- receive

    def camera_index(self, camera: str | None) -> int:
        """``camera=`` (1..N, default 1) as a 0-based index; NotFound for anything else."""
        name = "1" if camera is None else camera
        if not name.isdigit() or not 1 <= int(name) <= self.cameras:
            raise NotFound(f"No such camera '{name}'")
        return int(name) - 1

    def stream_format(self, source: int, codec: str | None) -> StreamFormat:
        """The format a listener gets: ``codec=`` (``g711``, ``g726`` at the input's bit rate,
        ``g726-32``, ``g726-24``), else the input's ``AudioEncoding`` and ``BitRate``."""
        name = codec if codec is not None else self._get(f"AudioSource.A{source}.AudioEncoding")
        if name == "g726":
            rate = self._get(f"AudioSource.A{source}.BitRate")
            name = "g726-24" if rate == "24000" else "g726-32"
        return StreamFormat.of(Codec.from_name(name), self.packing)

    def check_listen(self, camera: str | None, codec: str | None) -> tuple[int, StreamFormat]:
        """The input and format a listener of ``camera`` would get, without admitting it
        (NotFound, InvalidParameter, Disabled as :meth:`listen`); what a HEAD answers."""
        if self._closed:
            raise StreamClosed("shutting down")
        index = self.camera_index(camera)
        source = int(self._get(f"Audio.A{index}.Source"))
        fmt = self.stream_format(source, codec)
        if self._get(f"Audio.A{index}.Enabled") != "yes":
            raise Disabled(f"Audio of camera {index + 1} is disabled")
        if self.duplex_mode == "post":
            raise Disabled("Audio is transmit-only (Audio.DuplexMode=post)")
        return source, fmt

    def listen(self, camera: str | None, codec: str | None) -> Listener:
        """Admit a listener of ``camera`` (validated first, then counted; Busy beyond
        ``Audio.MaxListeners``, Disabled when switched off)."""
        source, fmt = self.check_listen(camera, codec)
        limit = int(self._get("Audio.MaxListeners"))
        if limit and self.listeners >= limit:
            raise Busy(f"Too many listeners (Audio.MaxListeners={limit})")
        self.listeners += 1
        try:
            return Listener(self, self.producers[source], fmt)
        except BaseException:
            self.listeners -= 1
            raise

    # --------------------------------------------------------------- transmit

    def begin_talk(self) -> Talk:
        """The one talker's talk; Busy while another talks, Disabled when not allowed."""
        if self._closed:
            raise StreamClosed("shutting down")
        if self.duplex_mode == "get":
            raise Disabled("Audio is receive-only (Audio.DuplexMode=get)")
        if self._get("Audio.A0.Enabled") != "yes":
            raise Disabled("Audio is disabled (Audio.A0.Enabled=no)")
        if self.talker is not None:
            raise Busy("Another client is transmitting audio")
        timeout = int(self._get("Audio.ReceiverTimeout")) / 1000
        talk = Talk(self.output, self._open_sink, self.packing, timeout, self._end_talk)
        self.talker = talk
        if self.duplex_mode == "half":
            for producer in self.producers:
                producer.muted = True
        return talk

    def _open_sink(self) -> Sink:
        return open_sink(self.sink, self.wav_files)

    def _end_talk(self, talk: Talk) -> None:
        if self.talker is talk:
            self.talker = None
            for producer in self.producers:
                producer.muted = False

    def check_httptype(self, httptype: str) -> None:
        """Refuse an ``httptype`` other than singlepart or multipart."""
        if httptype not in ("singlepart", "multipart"):
            raise InvalidParameter(f"Invalid httptype '{httptype}' (singlepart, multipart)")
