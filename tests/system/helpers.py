"""Helpers for the system tests: waiting for restarts, running ``ipcamd serve`` as a process."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import aiohttp

from tests.support import ROOT_PASSWORD, Camera

_SERVING = re.compile(r"serving on (http://\S+)")


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``condition`` every 20 ms; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def restart_and_wait(camera: Camera, path: str) -> bytes:
    """Call a CGI that restarts the device; return its body once the device is back."""
    before = camera.server.generation
    reply = await camera.get(path)
    assert reply.status == 200, reply.body
    await wait_until(lambda: camera.server.generation > before and not camera.server.restarting)
    return reply.body


class Process:
    """``ipcamd serve`` in a subprocess, its output collected line by line."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 0,
        env: Mapping[str, str] | None = None,
        run: str = "run",
    ) -> None:
        self.data_dir = data_dir
        self.log = data_dir.parent / f"{data_dir.name}-{run}.log"
        self._out = self.log.open("ab")
        full_env = {**os.environ, **(env or {})}
        full_env.pop("IPCAMD_ROOT_PASSWORD", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ipcamd",
                "serve",
                "--port",
                str(port),
                "--rtsp-port",
                "0",
                "--data-dir",
                str(data_dir),
                "--root-password",
                ROOT_PASSWORD,
            ],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=full_env,
            start_new_session=True,  # its own process group: kill -9 reaches a supervisor's child
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def urls(self) -> list[str]:
        return _SERVING.findall(self.output())

    async def wait_serving(self, count: int = 1, timeout: float = 20.0) -> str:
        """Wait until ``count`` "serving on" lines were printed (in all runs on this log)."""
        deadline = time.monotonic() + timeout
        while len(self.urls()) < count:
            if self.proc.poll() is not None and len(self.urls()) < count:
                raise AssertionError(f"ipcamd exited {self.proc.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"ipcamd did not come up:\n{self.output()}")
            await asyncio.sleep(0.05)
        return self.urls()[count - 1]

    async def wait_output(self, text: str, timeout: float = 20.0) -> None:
        """Wait until ``text`` appears in the output."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared:\n{self.output()}")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the whole process group (a power cut)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._out.close()

    def stop(self) -> int:
        """SIGTERM and wait; returns the exit status."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self._out.close()
        return code


async def http_get(url: str, *, user: str = "root", password: str = ROOT_PASSWORD) -> bytes:
    """One GET with Basic auth on a fresh connection; the reply must be a 200."""
    status, body = await http_request("GET", url, user=user, password=password)
    assert status == 200, (status, body)
    return body


async def http_request(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    user: str = "root",
    password: str = ROOT_PASSWORD,
) -> tuple[int, bytes]:
    """One request with Basic auth on a fresh connection: (status, body)."""
    all_headers = {"Authorization": aiohttp.encode_basic_auth(user, password), **(headers or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, data=data, headers=all_headers) as response,
    ):
        return response.status, await response.read()
