"""Runs a device behind its HTTP server until a signal (or, later, a restart request)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from ipcamd.config import Config
from ipcamd.device import Device
from ipcamd.http.app import create_app

_LOGGER = logging.getLogger(__name__)

Ready = Callable[[str, Device], None]


class Server:
    """An HTTP server bound to a device; ``start`` and ``stop`` are used by tests directly."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.device: Device | None = None
        self._runner: web.AppRunner | None = None
        self.port: int = config.port

    @property
    def url(self) -> str:
        """The base URL clients use."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    async def start(self) -> Device:
        """Open the device (blocking start-up work runs in a thread) and start listening."""
        device = await asyncio.to_thread(Device, self.config)
        app = create_app(device)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        try:
            await runner.setup()
            site = web.TCPSite(runner, self.config.host, self.port, reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            await asyncio.to_thread(device.close)
            raise
        for address in runner.addresses:
            self.port = int(address[1])
            break
        self.device, self._runner = device, runner
        return device

    async def stop(self) -> None:
        """Close every connection and stream, stop the services, close the database."""
        runner, device = self._runner, self.device
        self._runner = self.device = None
        if runner is not None:
            await runner.cleanup()
        if device is not None:
            await asyncio.to_thread(device.close)


async def serve(config: Config, on_ready: Ready | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = Server(config)
    device = await server.start()
    if on_ready is not None:
        on_ready(server.url, device)
    try:
        await stop.wait()
    finally:
        _LOGGER.info("Shutting down")
        await server.stop()
