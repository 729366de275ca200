"""Test helpers: a real ipcamd server on an ephemeral loopback port, and a small HTTP client."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from ipcamd.config import Config
from ipcamd.device import Device
from ipcamd.server import Server

ROOT_PASSWORD = "pass"


@dataclass
class Reply:
    """What came back: status, headers and the raw body."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Camera:
    """A running server plus helpers to call it."""

    def __init__(self, server: Server, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def device(self) -> Device:
        assert self.server.device is not None
        return self.server.device

    async def request(
        self,
        method: str,
        path: str,
        *,
        user: str | None = "root",
        password: str = ROOT_PASSWORD,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One request with Basic auth (``user=None`` for none); the path is sent verbatim."""
        all_headers = dict(headers or {})
        if user is not None and "Authorization" not in all_headers:
            all_headers["Authorization"] = aiohttp.encode_basic_auth(user, password)
        async with self.session.request(
            method,
            self.url + path,
            data=data,
            headers=all_headers,
            allow_redirects=False,
        ) as response:
            body = await response.read()
            return Reply(response.status, response.headers, body)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("POST", path, **kwargs)

    async def add_user(self, name: str, password: str, sgrp: str) -> None:
        reply = await self.get(
            f"/axis-cgi/pwdgrp.cgi?action=add&user={name}&pwd={password}&grp=users&sgrp={sgrp}"
        )
        assert reply.text == f"Created account {name}.\r\n", reply.text


def make_config(data_dir: Path, **overrides: Any) -> Config:
    """A config for tests: loopback, ephemeral port, fixed root password."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "data_dir": data_dir,
        "root_password": ROOT_PASSWORD,
        "log_level": "debug",
        # RTSP off unless a test asks for it (rtsp_port=-1: any free port).
        "rtsp_port": 0,
    }
    values.update(overrides)
    return Config(**values)


def digest_response(
    *,
    user: str,
    password: str,
    realm: str,
    method: str,
    uri: str,
    nonce: str,
    nc: str,
    cnonce: str,
    algorithm: str = "MD5",
) -> str:
    """Compute a Digest ``response`` the way a client does (RFC 7616, qop=auth)."""

    def h(data: str) -> str:
        if algorithm == "SHA-256":
            return hashlib.sha256(data.encode()).hexdigest()
        return hashlib.md5(data.encode()).hexdigest()

    ha1 = h(f"{user}:{realm}:{password}")
    ha2 = h(f"{method}:{uri}")
    return h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "no")


def assert_text(reply: Reply, body: str) -> None:
    """Status 200, ``Content-Type: text/plain`` exactly, and the body byte for byte."""
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.body == body.encode(), reply.body


def require_tool(name: str) -> str:
    """The path of client program ``name``; fails (never skips) when it is missing: CI installs
    every client the tests run (``.ci/run``), so a missing one is a broken setup."""
    path = shutil.which(name)
    assert path is not None, f"{name} is not installed (.ci/run installs it)"
    return path
