"""An ipcamd for a benchmark, in its own process, so its CPU and memory are measured apart
from the load client's.

The benchmark side::

    async with BenchServer(settings={"Image.MaxViewers": "0"}) as server:
        server.port, server.url, server.pid, server.ps    # psutil.Process of the server
        server.cpu_seconds()                                # its CPU time, to the ns
        await server.stats()                                # {"encodes": …, "viewers": …, …}

starts ``python bench/_server.py '<json>'`` with the Config fields and parameter settings
asked for, waits until it answers HTTP, and stops it on leaving. The server side (this file
run as a script) starts a :class:`ipcamd.server.Server` on an ephemeral port, applies the
settings as root, prints one JSON line (port, RTSP port, pid, where ipcamd was imported from)
and then answers each line on its stdin with a JSON line of counters (video hub, audio,
RTSP: whatever the unit has).

Either way RTSP is off unless asked for (``config={"rtsp_port": -1}``, or ``--rtsp-port`` in
``cli``), so no benchmark binds port 554.

``BenchServer(cli=[...])`` starts ``ipcamd serve --port 0 --data-dir …`` (the root password
in ``IPCAMD_ROOT_PASSWORD``) plus those arguments instead, as a user does (no counters;
:attr:`BenchServer.spawned` and :attr:`BenchServer.serving` time its start-up).
``PYTHONPATH=<other tree>/src`` runs another tree's ipcamd with the same benchmark
(before/after figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

PASSWORD = "bench"
_SERVING = re.compile(rb"serving on http://[^:]+:([0-9]+)")


class BenchServer:
    """An ipcamd in a subprocess: ``config`` are Config fields (``port``, ``data_dir`` and
    ``root_password`` are set here), ``settings`` parameter values applied as root."""

    def __init__(
        self,
        *,
        settings: dict[str, str] | None = None,
        config: dict[str, Any] | None = None,
        password: str = PASSWORD,
        data_dir: Path | None = None,
        cli: list[str] | None = None,
        env: dict[str, str] | None = None,
        wait_until_answering: bool = True,
        log_level: str = "warning",
        quiet: bool = False,
    ) -> None:
        self.password = password
        self._log_level = log_level
        self._quiet = quiet
        self._cli = cli
        self._env = env
        self._wait = wait_until_answering
        #: ``time.perf_counter()`` just before the process was spawned, and when it printed
        #: its "serving on" line (``cli`` mode).
        self.spawned = self.serving = 0.0
        self._spec = {
            "settings": settings or {},
            "config": config or {},
            "password": password,
            "log_level": log_level,
        }
        self._data_dir = data_dir
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self.rtsp_port: int | None = None
        self.pid = 0
        #: Where the server imported ipcamd from (which tree is measured).
        self.version = ""
        self._lock = asyncio.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ps(self) -> Any:
        """The server's ``psutil.Process`` (CPU times, RSS)."""
        import psutil  # noqa: PLC0415 - only the benchmarks that measure need it

        return psutil.Process(self.pid)

    def cpu_seconds(self) -> float:
        """The server's CPU time so far, every thread's, to the nanosecond: the scheduler's
        own count (the process's CPU-time clock, ``clock_getcpuclockid``), where
        ``psutil``'s user + system come in clock ticks of 10 ms, 0.5 % of a core over a 2-s
        window. Falls back to those where the clock cannot be read."""
        try:
            # Linux's clock id of another process's CPU time: MAKE_PROCESS_CPUCLOCK(pid, SCHED).
            return time.clock_gettime((~self.pid << 3) | 2)
        except OSError:
            times = self.ps.cpu_times()
            return float(times.user + times.system)

    async def start(self) -> BenchServer:
        if self._data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ipcamd-bench-")
            self._data_dir = Path(self._tmp.name) / "data"
        if self._cli is not None:
            await self._start_cli(self._data_dir, self._cli)
        else:
            await self._start_script(self._data_dir)
        if self._wait:
            await self._answers()
        return self

    async def _start_cli(self, data_dir: Path, extra: list[str]) -> None:
        args = ["--port", "0", "--data-dir", str(data_dir), "--log-level", self._log_level]
        if "--rtsp-port" not in extra:
            args += ["--rtsp-port", "0"]  # RTSP off unless asked: a benchmark never binds 554
        # The root password as the README says to pass it (not visible in the process list).
        env = {**os.environ, **(self._env or {}), "IPCAMD_ROOT_PASSWORD": self.password}
        self.spawned = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ipcamd",
            "serve",
            *args,
            *extra,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL if self._quiet else None,
            env=env,
        )
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), 60)
            if not line:
                raise RuntimeError("ipcamd serve did not start")
            found = _SERVING.search(line)
            if found:
                break
        self.serving = time.perf_counter()
        self.port, self.pid, self.version = int(found.group(1)), self.process.pid, "ipcamd serve"

    async def _start_script(self, data_dir: Path) -> None:
        spec = {**self._spec, "data_dir": str(data_dir)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__)),
            json.dumps(spec),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        if not line:
            raise RuntimeError("the benchmark server did not start")
        first = json.loads(line)
        self.port, self.pid, self.version = first["port"], first["pid"], first["version"]
        self.rtsp_port = first.get("rtsp_port")

    async def _answers(self) -> None:
        """Until an HTTP request gets a status line (the server is up)."""
        for _ in range(200):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.write(b"GET /axis-cgi/param.cgi HTTP/1.0\r\n\r\n")
            status = await reader.readline()
            writer.close()
            if status.startswith(b"HTTP/"):
                return
        raise RuntimeError("the benchmark server does not answer")

    async def stats(self) -> dict[str, Any]:
        """The server's counters now (one round trip on its stdin/stdout; not in ``cli``
        mode)."""
        if self._cli is not None:
            raise RuntimeError("a server started with cli= reports no counters")
        process = self.process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        async with self._lock:
            process.stdin.write(b"\n")
            await process.stdin.drain()
            return dict(json.loads(await process.stdout.readline()))

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> BenchServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


# ----------------------------------------------------------------- the server process


def _counters(server: Any, device: Any) -> dict[str, Any]:
    """What the unit can tell a benchmark: video hub, audio, RTSP counters."""
    hub = device.video.hub
    stats: dict[str, Any] = {
        "encodes": hub.encodes,
        "viewers": hub.viewers,
        "profiles": hub.profiles,
    }
    audio = getattr(device, "audio", None)
    if audio is not None and getattr(audio, "producers", None):
        producer = audio.producers[0]
        stats["listeners"] = audio.listeners
        stats["feeds"] = {f.format.codec.info.name: f.published for f in producer._feeds.values()}
    rtsp = getattr(server, "rtsp", None)
    if rtsp is not None:
        handlers = rtsp.handlers
        stats["sessions"] = len(handlers.sessions)
        stats["frames"] = sum(feed.frames for feed in handlers.feeds.values())
    return stats


async def _serve(spec: dict[str, Any]) -> None:
    import ipcamd  # noqa: PLC0415 - the server process's imports stay out of the client's
    from ipcamd.access import AccessLevel  # noqa: PLC0415
    from ipcamd.config import Config  # noqa: PLC0415
    from ipcamd.server import Server  # noqa: PLC0415

    fields = dict(spec["config"])
    if "sources" in fields:
        fields["sources"] = {int(k): v for k, v in fields["sources"].items()}
    if "ptz" in fields:
        fields["ptz"] = {int(k): v for k, v in fields["ptz"].items()}
    fields.setdefault("port", 0)
    fields.setdefault("rtsp_port", 0)  # RTSP off unless asked (bench/rtsp.py asks for -1)
    fields.setdefault("log_level", spec["log_level"])
    config = Config(data_dir=Path(spec["data_dir"]), root_password=spec["password"], **fields)
    try:
        server = Server(config, settle_heap=True)  # as ``ipcamd serve`` runs it
    except TypeError:  # an older tree, measured beside this one: it had no such setting
        server = Server(config)
    device = await server.start()
    if spec["settings"]:
        await device.params.async_update(list(spec["settings"].items()), AccessLevel.ROOT)
    first = {
        "port": server.port,
        "rtsp_port": getattr(server, "rtsp_port", None) if server.rtsp is not None else None,
        "pid": os.getpid(),
        "version": f"ipcamd {getattr(ipcamd, '__version__', '?')} from "
        f"{Path(ipcamd.__file__).parent.parent.parent.name}",
    }
    print(json.dumps(first), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while await reader.readline():
            print(json.dumps(_counters(server, device)), flush=True)
    finally:
        await server.stop()


def _raise_fd_limit() -> None:
    import resource  # noqa: PLC0415

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 8192):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))


if __name__ == "__main__":
    _raise_fd_limit()
    asyncio.run(_serve(json.loads(sys.argv[1])))
