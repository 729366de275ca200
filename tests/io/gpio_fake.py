"""A fake GPIO chip for the GPIO backend's tests (no chip exists on CI machines).

Only ``request_lines`` is faked: the settings, enums and edge events are the real ``gpiod``
package's, so the backend is held to the library's actual API. A request's ``fd`` is a real
pipe, so the event loop's ``add_reader`` works as it would on a chip; :meth:`FakeRequest.edge`
changes an input line and makes the fd readable, as the kernel does on an edge.
"""

from __future__ import annotations

import os
import types
from dataclasses import dataclass, field
from typing import Any

import gpiod
from gpiod.line import Value


@dataclass
class FakeRequest:
    """What ``gpiod.request_lines`` returned: lines, values, and pending edge events."""

    path: str
    config: dict[Any, Any]
    consumer: str | None
    output_values: dict[int, Value]
    values: dict[int, Value] = field(default_factory=dict)
    writes: list[tuple[int, Value]] = field(default_factory=list)
    pending: list[gpiod.EdgeEvent] = field(default_factory=list)
    released: bool = False

    def __post_init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        for lines in self.config:
            for line in lines:
                self.values.setdefault(line, Value.INACTIVE)
        self.values.update(self.output_values)
        self._seqno = 0

    @property
    def fd(self) -> int:
        return self._read

    def settings(self, line: int) -> gpiod.LineSettings:
        (settings,) = [s for lines, s in self.config.items() if line in lines]
        assert isinstance(settings, gpiod.LineSettings)
        return settings

    def get_value(self, line: int) -> Value:
        return self.values[line]

    def set_value(self, line: int, value: Value) -> None:
        assert self.settings(line).direction is gpiod.line.Direction.OUTPUT
        self.values[line] = value
        self.writes.append((line, value))

    def read_edge_events(self, max_events: int | None = None) -> list[gpiod.EdgeEvent]:
        os.read(self._read, 4096)
        events, self.pending = self.pending, []
        return events

    def edge(self, line: int, active: bool) -> None:
        """The circuit on input ``line`` changed: queue its edge, wake the reader."""
        self.values[line] = Value.ACTIVE if active else Value.INACTIVE
        kind = gpiod.EdgeEvent.Type.RISING_EDGE if active else gpiod.EdgeEvent.Type.FALLING_EDGE
        self._seqno += 1
        self.pending.append(gpiod.EdgeEvent(kind.value, 0, line, self._seqno, self._seqno))
        os.write(self._write, b"e")

    def release(self) -> None:
        assert not self.released, "released twice"
        self.released = True
        os.close(self._read)
        os.close(self._write)


class FakeChip:
    """Stands in for the ``gpiod`` module: the real one, but ``request_lines`` comes here."""

    def __init__(self) -> None:
        self.requests: list[FakeRequest] = []
        self.module = types.SimpleNamespace(
            line=gpiod.line,
            LineSettings=gpiod.LineSettings,
            EdgeEvent=gpiod.EdgeEvent,
            request_lines=self.request_lines,
        )

    def request_lines(
        self,
        path: str,
        config: dict[Any, Any],
        consumer: str | None = None,
        event_buffer_size: int | None = None,
        output_values: dict[int, Value] | None = None,
    ) -> FakeRequest:
        request = FakeRequest(path, config, consumer, dict(output_values or {}))
        self.requests.append(request)
        return request

    @property
    def request(self) -> FakeRequest:
        (request,) = self.requests
        return request
