"""One talk: transmit.cgi's audio decoded and played, in order, on the output thread.

A talk times out when its audio falls behind real time by more than ``Audio.ReceiverTimeout``:
a talker that never sends, stalls, or sends slower than it plays. A talker may run ahead (a
file sent at once); the sink then takes it as fast as it can (a device at its own pace).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor

from ipcamd.audio.codecs import Codec, Decoder, Packing
from ipcamd.audio.sinks import Sink


class Talk:
    """The audio of the one talker, from its first byte to its end."""

    def __init__(
        self,
        output: Executor,
        open_sink: Callable[[], Sink],
        packing: Packing,
        timeout: float,
        on_end: Callable[[Talk], None],
    ) -> None:
        self.timeout = timeout
        self.started = time.monotonic()
        #: Seconds of audio received so far.
        self.received = 0.0
        self._output = output
        self._open_sink = open_sink
        self._packing = packing
        self._on_end = on_end
        self._decoder: Decoder | None = None
        self._sink: Sink | None = None
        self._ended = False

    def remaining(self) -> float:
        """Seconds the talker may still take to send more before it has timed out."""
        lag = time.monotonic() - self.started - self.received
        return self.timeout - lag

    async def play(self, codec: Codec, data: bytes) -> None:
        """Decode ``data`` and hand it to the sink (off the loop, in order)."""
        self.received += len(data) / codec.info.bytes_per_second
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._output, self._play, codec, data)

    def _play(self, codec: Codec, data: bytes) -> None:
        if self._decoder is None:
            self._decoder = Decoder(codec, self._packing)
        if self._sink is None:
            self._sink = self._open_sink()
        samples = self._decoder.decode(data)
        if len(samples):
            self._sink.write(samples)

    async def close(self) -> None:
        """End the talk: the sink is finished (a WAV file's header complete), the slot freed."""
        if self._ended:
            return
        self._ended = True
        self._on_end(self)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._output, self._finish)
        except RuntimeError:  # the output thread is gone (shutdown): finish here
            self._finish()

    def _finish(self) -> None:
        decoder, sink, self._decoder, self._sink = self._decoder, self._sink, None, None
        if decoder is not None:
            decoder.close()
        if sink is not None:
            sink.close()
