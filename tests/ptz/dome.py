"""A pseudo-terminal pair standing in for a Pelco-D dome on a serial line.

ipcamd opens the pty's slave like any serial device; the test reads the master: every byte the
driver writes, decoded frame by frame. With ``answers`` it also plays a dome that reports its
position (Query Pan / Tilt / Zoom Position → 0x59 / 0x5B / 0x5D replies).
"""

from __future__ import annotations

import asyncio
import os
import tty

from ipcamd.ptz import pelco

#: Seconds a test waits for bytes it expects.
WAIT = 10.0

#: The query command → (reply command, the dome's value).
Answers = dict[int, tuple[int, int]]


class Dome:
    """The master side of a pty; the slave's path is what ipcamd opens."""

    def __init__(self, address: int = 1, answers: Answers | None = None) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.address = address
        self.answers = answers
        self._buffer = bytearray()
        self._unanswered = bytearray()
        self._arrived = asyncio.Event()
        os.set_blocking(self.master, False)
        asyncio.get_running_loop().add_reader(self.master, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 4096)
        except BlockingIOError:
            return
        except OSError:
            asyncio.get_running_loop().remove_reader(self.master)
            return
        self._buffer += data
        self._unanswered += data
        self._arrived.set()
        while len(self._unanswered) >= pelco.FRAME:
            one = bytes(self._unanswered[: pelco.FRAME])
            del self._unanswered[: pelco.FRAME]
            answer = self.answers.get(one[3]) if self.answers and one[2] == 0 else None
            if answer is not None:
                reply = pelco.extended(self.address, pelco.Cmd2(answer[0]), answer[1])
                os.write(self.master, reply)

    async def read(self, count: int) -> list[bytes]:
        """The next ``count`` frames written (waits at most :data:`WAIT` s for them)."""

        async def enough() -> None:
            while len(self._buffer) < count * pelco.FRAME:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(enough(), WAIT)
        taken = bytes(self._buffer[: count * pelco.FRAME])
        del self._buffer[: count * pelco.FRAME]
        return [taken[i : i + pelco.FRAME] for i in range(0, len(taken), pelco.FRAME)]

    def pending(self) -> bytes:
        """What was written and not read yet."""
        return bytes(self._buffer)

    def close(self) -> None:
        """Close both ends."""
        asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)
        os.close(self._slave)


def f(*body: int) -> bytes:
    """A frame from its five body bytes (address, cmd1, cmd2, data1, data2), checksum added."""
    return bytes((0xFF, *body, sum(body) % 256))
