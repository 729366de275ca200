"""The in-process event bus: publishers never wait, a slow listener loses its oldest events.

``publish`` runs on the event loop, synchronously: it records a state event's latest value and
appends the event to the bounded queue of every subscription whose filter takes it. A full queue
drops its oldest event and counts it; the listener then reads ``Missed(count)`` at the place of
the lost events, before the events that follow them, so no consumer can read past a gap without
seeing it (the item type is ``E | Missed``, which a type checker makes the consumer narrow).
Memory per subscription is bounded by its ``maxsize``; the publisher's cost does not depend on
how fast anyone reads.

Loop affinity: the bus belongs to the first event loop that uses it (a ``publish``,
``subscribe`` or read inside a running loop). From then on every call must come from that loop's
thread (anything else raises ``RuntimeError``); other threads use :meth:`EventBus.
publish_threadsafe`, which hops to the loop. Before any loop has used it (the device being
built, single-threaded) a publish only records state: nobody can be waiting yet.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from ipcamd.errors import StreamClosed
from ipcamd.events.types import Event

_LOGGER = logging.getLogger(__name__)

#: Events a subscription holds unread before it starts dropping the oldest.
DEFAULT_QUEUE_SIZE = 256

E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class Missed:
    """Stands in a subscription's stream for ``count`` events it lost because it read too slowly.

    Deliberately not an :class:`Event`: it can never be published, only read.
    """

    count: int


class Subscription(Generic[E]):
    """One listener's view of the bus: an async iterator of ``E | Missed`` over a bounded queue.

    One task reads it. Use it as a context manager (``with bus.subscribe(PortChanged) as
    sub:``; ``async with`` works too): leaving the block, also by cancellation, unsubscribes.
    ``initial`` holds the retained state events the subscription's filter takes, as they were
    when it was made, and the queue starts right after them: nothing is lost or repeated in
    between.
    """

    def __init__(
        self,
        bus: EventBus,
        types: tuple[type[Event], ...],
        where: Callable[[E], bool] | None,
        keys: Collection[Hashable] | None,
        maxsize: int,
    ) -> None:
        if maxsize < 1:
            raise ValueError("a subscription's maxsize must be at least 1")
        self._bus = bus
        self.types = types
        self._where = where
        self._keys = None if keys is None else frozenset(keys)
        self.maxsize = maxsize
        self._queue: deque[E] = deque()
        self._unannounced = 0
        #: Events lost since the subscription was made (announced or still to be).
        self.missed = 0
        #: Events taken into the queue since the subscription was made.
        self.received = 0
        self.initial: tuple[E, ...] = ()
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    # ------------------------------------------------------------------ publisher side

    def takes(self, event: Event) -> bool:
        """True when the filter takes ``event`` (its type is already known to match)."""
        if self._keys is not None and event.key not in self._keys:
            return False
        if self._where is None:
            return True
        try:
            return self._where(event)  # type: ignore[arg-type]
        except Exception:
            # A listener's bug must not reach the publisher: the event is not for it.
            _LOGGER.exception("Event filter of a subscription failed on %r", event)
            return False

    def _offer(self, event: E) -> None:
        if (self._keys is not None or self._where is not None) and not self.takes(event):
            return
        queue = self._queue
        if len(queue) >= self.maxsize:
            queue.popleft()
            self._unannounced += 1
            self.missed += 1
        queue.append(event)
        self.received += 1
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------ listener side

    @property
    def pending(self) -> int:
        """Events waiting to be read."""
        return len(self._queue)

    @property
    def closed(self) -> bool:
        """True once the subscription (or the whole bus) was closed."""
        return self._closed

    def get_nowait(self) -> E | Missed | None:
        """The next item if one is waiting, else ``None`` (never blocks)."""
        if self._unannounced:
            count, self._unannounced = self._unannounced, 0
            return Missed(count)
        if self._queue:
            return self._queue.popleft()
        return None

    async def get(self) -> E | Missed:
        """The next item; waits for one. Raises :class:`StreamClosed` once closed and read."""
        while True:
            item = self.get_nowait()
            if item is not None:
                return item
            if self._closed:
                raise StreamClosed("event subscription closed")
            self._bus.check_thread()
            if self._waiter is not None:
                raise RuntimeError("a subscription has one reader; subscribe once per reader")
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> E | Missed:
        try:
            return await self.get()
        except StreamClosed:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Unsubscribe; a waiting reader gets what is left, then the end of the stream."""
        if self._closed:
            return
        self._closed = True
        self._bus.unsubscribe(self)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class EventBus:
    """Typed publish/subscribe inside one unit; see the module docstring for the guarantees."""

    def __init__(self) -> None:
        self._subscriptions: list[Subscription[Any]] = []
        #: Event class → the subscriptions whose types match it (rebuilt after (un)subscribing).
        self._routes: dict[type[Event], tuple[Subscription[Any], ...]] = {}
        #: State event class → key → latest event, keys in the order first seen.
        self._state: dict[type[Event], dict[Hashable, Event]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._closed = False
        #: Events published so far (diagnostics).
        self.published = 0

    # ------------------------------------------------------------------ loop affinity

    def check_thread(self) -> None:
        """Bind the bus to the running loop on first use; refuse a call from another thread."""
        if self._thread == threading.get_ident():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._loop is None:
            if loop is not None:
                self._loop, self._thread = loop, threading.get_ident()
            return
        raise RuntimeError(
            "EventBus used outside its event loop's thread; use publish_threadsafe from threads"
        )

    # ------------------------------------------------------------------ publishing

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscription that takes it (event loop only; never blocks).

        A state event also becomes the latest of its key. Subscribers see events in the order
        they were published.
        """
        if self._thread != threading.get_ident():
            self.check_thread()
        cls = type(event)
        if cls.retained:
            state = self._state.get(cls)
            if state is None:
                state = self._state[cls] = {}
            state[event.key] = event
        self.published += 1
        routes = self._routes.get(cls)
        if routes is None:
            routes = self._route(cls)
        for subscription in routes:
            subscription._offer(event)

    def publish_threadsafe(self, event: Event) -> None:
        """:meth:`publish` from any thread: hops to the bus's loop (in order per thread)."""
        if self._thread == threading.get_ident():
            self.publish(event)
            return
        loop = self._loop
        if loop is None:
            raise RuntimeError("the event bus has no event loop yet")
        loop.call_soon_threadsafe(self.publish, event)

    def forget(self, cls: type[Event], key: Hashable) -> None:
        """Drop the retained state of ``key`` (a removed motion window, a port that went away)."""
        self.check_thread()
        self._state.get(cls, {}).pop(key, None)

    def state(self, cls: type[E]) -> list[E]:
        """The latest retained event of every key of ``cls`` (and its subclasses)."""
        found: list[E] = []
        for state_cls, by_key in self._state.items():
            if issubclass(state_cls, cls):
                found += by_key.values()  # type: ignore[arg-type]
        return found

    def _route(self, cls: type[Event]) -> tuple[Subscription[Any], ...]:
        routes = tuple(s for s in self._subscriptions if issubclass(cls, s.types))
        self._routes[cls] = routes
        return routes

    # ------------------------------------------------------------------ subscribing

    @overload
    def subscribe(
        self,
        *,
        where: Callable[[Event], bool] | None = None,
        keys: Collection[Hashable] | None = None,
        maxsize: int = DEFAULT_QUEUE_SIZE,
    ) -> Subscription[Event]: ...

    @overload
    def subscribe(
        self,
        *types: type[E],
        where: Callable[[E], bool] | None = None,
        keys: Collection[Hashable] | None = None,
        maxsize: int = DEFAULT_QUEUE_SIZE,
    ) -> Subscription[E]: ...

    def subscribe(
        self,
        *types: type[Event],
        where: Callable[[Any], bool] | None = None,
        keys: Collection[Hashable] | None = None,
        maxsize: int = DEFAULT_QUEUE_SIZE,
    ) -> Subscription[Any]:
        """Listen to events of ``types`` (all events without any) that pass the filters.

        ``keys`` keeps only events whose :attr:`Event.key` is one of them (``keys=[0, 1]`` for
        two ports); ``where`` is any predicate, run by the publisher, so keep it cheap. The
        subscription's ``initial`` is the current retained state its filters take.
        """
        self.check_thread()
        subscription: Subscription[Any] = Subscription(
            self, types or (Event,), where, keys, maxsize
        )
        if self._closed:
            subscription.close()
            return subscription
        subscription.initial = tuple(
            event
            for cls, by_key in self._state.items()
            if issubclass(cls, subscription.types)
            for event in by_key.values()
            if subscription.takes(event)
        )
        self._subscriptions.append(subscription)
        self._routes.clear()
        return subscription

    def unsubscribe(self, subscription: Subscription[Any]) -> None:
        """Stop delivering to ``subscription`` (what :meth:`Subscription.close` calls)."""
        self.check_thread()
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
            self._routes.clear()

    @property
    def subscribers(self) -> int:
        """Open subscriptions (diagnostics, tests)."""
        return len(self._subscriptions)

    def close(self) -> None:
        """End every subscription (the unit stops): readers get what is queued, then the end."""
        self._closed = True
        for subscription in list(self._subscriptions):
            subscription.close()
