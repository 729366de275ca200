"""Runs a device behind its HTTP server until a signal, restarting it when a CGI asks.

A restart (``restart.cgi``, factory defaults, restore) refuses new requests (503), stops
listening and stops the services (streams end), lets the requests in flight finish (cancelling
those that do not within the shutdown timeout), runs the request's state change in one
transaction and tells the CGI that asked its outcome, so it answers with it; then it closes the
connections and the database, opens the device again from disk and listens again on the port it
first bound (so ``--port 0`` comes back on the same port). A relaunch (new firmware) stops the
server and lets the caller replace the process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from enum import Enum

from aiohttp import web

from ipcamd import heap
from ipcamd.config import Config
from ipcamd.device import Device
from ipcamd.errors import Busy, CommitFailed, IpcamdError
from ipcamd.http.app import create_app
from ipcamd.http.keys import EXCHANGES
from ipcamd.http.server_log import ServerLog
from ipcamd.rtsp.server import RtspServer
from ipcamd.system.lifecycle import RestartKind, RestartRequest

_LOGGER = logging.getLogger(__name__)

#: Seconds the requests in flight get to finish when the server stops or restarts.
SHUTDOWN_TIMEOUT = 2.0

Ready = Callable[[str, Device], None]


class Outcome(Enum):
    """Why :func:`serve` returned."""

    STOPPED = "stopped"  # a signal: exit
    RELAUNCH = "relaunch"  # new firmware: replace the process
    FAILED = "failed"  # the device could not be opened again after a restart


class Server:
    """An HTTP server bound to a device; ``start`` and ``stop`` are used by tests directly."""

    def __init__(self, config: Config, *, settle_heap: bool = False) -> None:
        self.config = config
        #: After each (re)start, freeze what start-up made (:func:`ipcamd.heap.settle`): what
        #: :func:`serve` does; off for tests, which start many servers in one process.
        self.settle_heap = settle_heap
        self.device: Device | None = None
        self._runner: web.AppRunner | None = None
        self.port: int = config.port
        #: How many times the device was opened again (tests wait on it).
        self.generation = 0
        self._restarting: asyncio.Task[None] | None = None
        self._finished: asyncio.Future[Outcome] | None = None
        #: Called after each (re)start with the URL and the new device.
        self.on_ready: Ready | None = None
        #: The RTSP front end while it serves (None when off or its port could not be bound).
        self.rtsp: RtspServer | None = None
        self._rtsp_port: int | None = None  # the port "any free port" bound first

    @property
    def rtsp_port(self) -> int | None:
        """The RTSP port being served (None when RTSP is off or could not listen)."""
        return self.rtsp.port if self.rtsp is not None else None

    def _rtsp_port_wanted(self, device: Device) -> int | None:
        """``--rtsp-port`` (-1: any free port, kept across restarts), else
        ``Network.RTSP.Port``; None when RTSP is off (0)."""
        port = self.config.rtsp_port
        if port is None:
            port = device.params.get_int("Network.RTSP.Port")
        if port == 0:
            return None
        if port == -1:
            return self._rtsp_port or 0
        return port

    async def _start_rtsp(self, device: Device) -> None:
        port = self._rtsp_port_wanted(device)
        if port is None:
            return
        rtsp = RtspServer(device, self.config.host, port)
        if await rtsp.start():
            self.rtsp = rtsp
            if self.config.rtsp_port == -1:
                self._rtsp_port = rtsp.port

    @property
    def url(self) -> str:
        """The base URL clients use."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def restarting(self) -> bool:
        """True while a restart is under way."""
        return self._restarting is not None and not self._restarting.done()

    def finished(self) -> asyncio.Future[Outcome]:
        """Resolves when the server ends by itself (a relaunch, or a restart that failed)."""
        if self._finished is None:
            self._finished = asyncio.get_running_loop().create_future()
        return self._finished

    async def start(self) -> Device:
        """Open the device (blocking start-up work runs in a thread) and start listening."""
        device = await asyncio.to_thread(Device, self.config)
        app = create_app(device)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            logger=ServerLog(),
            lingering_time=0,
            # aiohttp arms this timer when a connection opens and re-arms it after each reply:
            # a client that never completes a request head (slowloris) is dropped too.
            keepalive_timeout=self.config.http_idle_timeout,
        )
        try:
            await runner.setup()
            site = web.TCPSite(runner, self.config.host, self.port, reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            await asyncio.to_thread(device.close)
            raise
        for address in runner.addresses:
            self.port = int(address[1])  # the port actually bound: restarts reuse it
            break
        device.set_restart_handler(self._on_restart_request)
        self.device, self._runner = device, runner
        await self._start_rtsp(device)
        if self.settle_heap:
            frozen = heap.settle()
            _LOGGER.debug("%d objects of start-up out of the collector's full passes", frozen)
        if self.on_ready is not None:
            self.on_ready(self.url, device)
        return device

    async def stop(self) -> None:
        """Close every connection and stream, stop the services, close the database."""
        task = self._restarting
        if task is not None and not task.done() and task is not asyncio.current_task():
            await asyncio.wait({task})
        await self._shutdown(None)

    async def _shutdown(self, request: RestartRequest | None) -> None:
        runner, device = self._runner, self.device
        self._runner = self.device = None
        rtsp, self.rtsp = self.rtsp, None
        try:
            if rtsp is not None:
                await rtsp.stop()  # sessions end before the video they play stops
            if runner is not None and device is not None:
                await self._quiesce(runner, device)
            if device is not None and request is not None and request.apply is not None:
                await self._apply(device, request)
        finally:
            if request is not None:
                # Whatever happened, the CGI waiting for this restart gets an answer.
                _settle(request, CommitFailed(f"the {request.reason} was not applied"))
            try:
                if runner is not None:
                    await runner.cleanup()  # the waiting CGI's reply goes out, connections close
            finally:
                if device is not None:
                    await asyncio.to_thread(device.close)

    @staticmethod
    async def _quiesce(runner: web.AppRunner, device: Device) -> None:
        """No new request, no new connection, no service running, no request in flight (but the
        one waiting for the restart's outcome)."""
        exchanges = runner.app[EXCHANGES]
        exchanges.close()
        for site in list(runner.sites):
            await site.stop()
        await device.stop()  # streams and snapshots end with their producers
        await exchanges.async_drain(SHUTDOWN_TIMEOUT)

    @staticmethod
    async def _apply(device: Device, request: RestartRequest) -> None:
        assert request.apply is not None
        try:
            await device.db.async_call(device.db.transaction(request.apply))
        except Exception as err:
            _LOGGER.exception("The state change of %s failed; nothing was changed", request.reason)
            _settle(
                request,
                CommitFailed(
                    f"the {request.reason} could not be written ({err}); nothing was changed"
                ),
            )
            return
        _LOGGER.info("Applied the state change of %s", request.reason)
        _settle(request, None)

    def _on_restart_request(self, request: RestartRequest) -> None:
        if self.restarting:
            _LOGGER.info("Restart already under way; %s ignored", request.reason)
            _settle(
                request,
                Busy(f"a restart is already under way; the {request.reason} was not applied"),
            )
            return
        self._restarting = asyncio.get_running_loop().create_task(self._restart(request))

    async def _restart(self, request: RestartRequest) -> None:
        # Let the handler that asked finish sending its reply before connections close.
        await asyncio.sleep(0)
        _LOGGER.info("Restarting (%s)", request.reason)
        await self._shutdown(request)
        if request.kind is RestartKind.RELAUNCH:
            self._finish(Outcome.RELAUNCH)
            return
        try:
            await self.start()
        except Exception:
            _LOGGER.exception("The device could not be started again")
            self._finish(Outcome.FAILED)
            return
        self.generation += 1
        _LOGGER.info("Restarted on %s", self.url)

    def _finish(self, outcome: Outcome) -> None:
        future = self.finished()
        if not future.done():
            future.set_result(outcome)


def _settle(request: RestartRequest, error: IpcamdError | None) -> None:
    """Tell the CGI waiting on ``request`` (if any, and not told yet) how its change went."""
    future = request.applied
    if future is None or future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


async def serve(config: Config, on_ready: Ready | None = None) -> tuple[Outcome, int]:
    """Serve until SIGINT or SIGTERM (or a relaunch); returns why, and the port it used."""
    loop = asyncio.get_running_loop()
    server = Server(config, settle_heap=True)
    stopped = server.finished()

    def on_signal() -> None:
        if not stopped.done():
            stopped.set_result(Outcome.STOPPED)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    server.on_ready = on_ready
    await server.start()
    try:
        outcome = await stopped
    finally:
        _LOGGER.info("Shutting down")
        await server.stop()
    return outcome, server.port
