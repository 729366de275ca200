"""One coded stream of one source, shared by all its listeners (the consumer side).

The producer encodes each block once per format and publishes it here; each listener asks for
"the blocks after the one I sent". The feed keeps only the newest :data:`RING` blocks, so a
listener that falls further behind (a slow client) skips to the newest block, and memory stays
bounded whatever the listeners do.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from ipcamd.audio.codecs import Codec, Packing
from ipcamd.errors import StreamClosed

#: Blocks a feed keeps: 64 blocks are 1.9 s of µ-law, 5 s of G.726-24.
RING = 64


@dataclass(frozen=True)
class StreamFormat:
    """A codec with its bit packing (which only G.726 has)."""

    codec: Codec
    packing: Packing = Packing.BIG_ENDIAN

    @classmethod
    def of(cls, codec: Codec, packing: Packing) -> StreamFormat:
        """The format, its packing normalised (G.711 has one byte per sample, nothing to pack)."""
        return cls(codec, Packing.BIG_ENDIAN if codec is Codec.G711 else packing)


class Feed:
    """The newest blocks of one format, numbered from 1; waiters woken on each publish."""

    def __init__(self, fmt: StreamFormat, name: str) -> None:
        self.format = fmt
        self.name = name
        self.users = 0
        #: Number of the newest block (0: none yet).
        self.seq = 0
        #: Blocks published since the feed was made (the benchmark reads it).
        self.published = 0
        self._blocks: deque[bytes] = deque(maxlen=RING)
        self._event = asyncio.Event()
        self._closed = False

    def publish(self, blocks: list[bytes]) -> None:
        """Append ``blocks`` and wake every waiting listener (event loop only)."""
        if self._closed or not blocks:
            return
        self._blocks.extend(blocks)
        self.seq += len(blocks)
        self.published += len(blocks)
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def after(self, seq: int) -> tuple[int, list[bytes]]:
        """The blocks after number ``seq`` and the number of the last one; waits for at least
        one. A listener whose next block is no longer kept resumes at the newest block."""
        while True:
            if self._closed:
                raise StreamClosed(self.name)
            if self.seq > seq:
                break
            await self._event.wait()
        missing = self.seq - seq
        kept = len(self._blocks)
        count = missing if missing <= kept else 1
        return self.seq, list(self._blocks)[kept - count :]

    def close(self) -> None:
        """No more blocks: every waiting listener gets StreamClosed."""
        self._closed = True
        self._event.set()

    @property
    def closed(self) -> bool:
        """True once closed."""
        return self._closed
