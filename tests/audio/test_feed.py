"""A feed keeps the newest blocks only: a listener that fell behind resumes at the newest block
(memory bounded whatever a listener does); one that keeps up gets every block once."""

from __future__ import annotations

import asyncio

import pytest

from ipcamd.audio.codecs import Codec
from ipcamd.audio.feed import RING, Feed, StreamFormat
from ipcamd.errors import StreamClosed


def block(n: int) -> bytes:
    return n.to_bytes(2, "big") * 120


async def test_a_listener_that_keeps_up_gets_every_block() -> None:
    feed = Feed(StreamFormat(Codec.G711), "t")
    feed.publish([block(1), block(2)])
    seq, blocks = await feed.after(0)
    assert (seq, blocks) == (2, [block(1), block(2)])
    feed.publish([block(3)])
    assert await feed.after(seq) == (3, [block(3)])


async def test_a_slow_listener_skips_to_the_newest_block() -> None:
    feed = Feed(StreamFormat(Codec.G711), "t")
    feed.publish([block(n) for n in range(1, 3 * RING)])
    assert len(feed._blocks) == RING  # bounded
    seq, blocks = await feed.after(1)
    assert (seq, blocks) == (3 * RING - 1, [block(3 * RING - 1)])
    # Just within what is kept: everything it missed.
    feed.publish([block(n) for n in range(3 * RING, 4 * RING)])
    seq2, blocks2 = await feed.after(seq)
    assert blocks2 == [block(n) for n in range(3 * RING, 4 * RING)]
    assert seq2 == 4 * RING - 1


async def test_waiting_and_closing() -> None:
    feed = Feed(StreamFormat(Codec.G726_24), "t")
    waiter = asyncio.ensure_future(feed.after(0))
    await asyncio.sleep(0)
    assert not waiter.done()
    feed.publish([block(1)])
    assert await waiter == (1, [block(1)])
    waiter = asyncio.ensure_future(feed.after(1))
    await asyncio.sleep(0)
    feed.close()
    with pytest.raises(StreamClosed):
        await waiter
    feed.publish([block(2)])  # nothing more after close
    assert feed.seq == 1
