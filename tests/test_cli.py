"""The ``ipcamd`` command as a user runs it: a real process, signals, stdout and stderr."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from ipcamd import __version__
from ipcamd.cli import KEPT_NOTICE

START_TIMEOUT = 30.0
URL_LINE = re.compile(rb"ipcamd \S+ serving on (http://127\.0\.0\.1:(\d+))\n")
PASSWORD_LINE = re.compile(rb"root password \(shown once\): ([A-Za-z0-9]+)\n")


class Process:
    """A running ``ipcamd serve`` and what it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stdout = b""
        self.port = 0

    async def ready(self) -> bytes:
        """Wait for the URL line; returns it."""
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), START_TIMEOUT)
        self.stdout += line
        match = URL_LINE.fullmatch(line)
        assert match is not None, line
        self.port = int(match.group(2))
        return line

    async def next_line(self) -> bytes:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 10)
        self.stdout += line
        return line

    async def stop(self, sig: int = signal.SIGTERM) -> tuple[int, bytes, bytes]:
        """Send ``sig``; returns (exit code, rest of stdout, all of stderr)."""
        self.process.send_signal(sig)
        out, err = await asyncio.wait_for(self.process.communicate(), 15)
        assert self.process.returncode is not None
        return self.process.returncode, out, err


async def spawn(*args: str, env: Mapping[str, str] | None = None) -> Process:
    environment = {k: v for k, v in os.environ.items() if k != "IPCAMD_ROOT_PASSWORD"}
    environment.update(env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ipcamd",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    return Process(process)


@pytest.fixture
async def processes() -> AsyncIterator[list[Process]]:
    """Every process a test starts is killed at the end if still running."""
    started: list[Process] = []
    yield started
    for proc in started:
        if proc.process.returncode is None:
            proc.process.kill()
            await proc.process.wait()


async def serve(processes: list[Process], data_dir: Path, *extra: str, **kw: object) -> Process:
    """``ipcamd serve`` on a free HTTP port, RTSP off unless ``extra`` says otherwise (the last
    ``--rtsp-port`` wins): a test never binds 554, which another run may hold."""
    proc = await spawn(
        "serve",
        "--port",
        "0",
        "--rtsp-port",
        "0",
        "--data-dir",
        str(data_dir),
        *extra,
        **kw,  # type: ignore[arg-type]
    )
    processes.append(proc)
    await proc.ready()
    return proc


async def request_with(port: int, path: str, user: str, password: str) -> tuple[int, bytes]:
    """GET ``path`` with Basic auth on a new connection: (status, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: x\r\n".encode()
        + f"Authorization: Basic {token}\r\nConnection: close\r\n\r\n".encode()
    )
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return int(data.split(b" ", 2)[1]), data.partition(b"\r\n\r\n")[2]


async def status_with(port: int, user: str, password: str) -> int:
    path = "/axis-cgi/param.cgi?action=list&group=Brand.Brand"
    return (await request_with(port, path, user, password))[0]


async def test_version() -> None:
    proc = await spawn("--version")
    out, _err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert proc.process.returncode == 0
    assert out == f"ipcamd {__version__}\n".encode()


#: What only a running unit (or a signing command) needs; ``--version`` and ``--help`` must not
#: pay for loading them.
HEAVY_MODULES = ("numpy", "av", "simplejpeg", "cryptography", "aiohttp", "ipcamd.device")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["serve", "--help"]])
def test_version_and_help_load_no_heavy_module(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from ipcamd.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


async def test_first_start_prints_password_once(processes: list[Process], tmp_path: Path) -> None:
    first = await serve(processes, tmp_path / "data")
    match = PASSWORD_LINE.fullmatch(await first.next_line())
    assert match is not None
    password = match.group(1).decode()
    assert len(password) >= 12
    assert await status_with(first.port, "root", password) == 200
    assert await status_with(first.port, "root", "pass") == 401
    code, rest, _ = await first.stop()
    assert code == 0
    assert b"password" not in rest

    second = await serve(processes, tmp_path / "data")
    # A later start says the stored password is kept, and how to set another, never the value.
    assert await second.next_line() == KEPT_NOTICE.encode() + b"\n"
    assert await status_with(second.port, "root", password) == 200
    code, rest, _ = await second.stop()
    assert code == 0
    assert password.encode() not in second.stdout + rest
    assert b"shown once" not in second.stdout + rest
    # The password is stored only hashed, at the device's real scrypt cost.
    database = (tmp_path / "data" / "ipcamd.sqlite3").read_bytes()
    assert password.encode() not in database
    assert b"scrypt$16384$8$1$" in database


async def test_root_password_from_environment(processes: list[Process], tmp_path: Path) -> None:
    proc = await serve(processes, tmp_path / "data", env={"IPCAMD_ROOT_PASSWORD": "envSecret1"})
    assert await status_with(proc.port, "root", "envSecret1") == 200
    code, rest, _ = await proc.stop()
    assert code == 0
    assert b"password" not in proc.stdout + rest


async def test_root_password_flag_is_reapplied(processes: list[Process], tmp_path: Path) -> None:
    proc = await serve(processes, tmp_path / "data", "--root-password", "first1")
    assert (await proc.stop())[0] == 0
    proc = await serve(processes, tmp_path / "data", "--root-password", "second2")
    assert await status_with(proc.port, "root", "second2") == 200
    assert await status_with(proc.port, "root", "first1") == 401
    assert (await proc.stop())[0] == 0


async def test_no_ip_filter_recovers_from_a_lock_out(
    processes: list[Process], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    proc = await serve(processes, data, "--root-password", "pw1")
    lock_out = "/axis-cgi/ipfilter.cgi?action=add&ipaddress=10.0.0.1&enable=yes&verify=no"
    assert await request_with(proc.port, lock_out, "root", "pw1") == (200, b"OK\r\n")
    assert await status_with(proc.port, "root", "pw1") == 403  # nobody on loopback gets in
    assert (await proc.stop())[0] == 0
    proc = await serve(processes, data, "--root-password", "pw1", "--no-ip-filter")
    assert await status_with(proc.port, "root", "pw1") == 200
    # The filter is off (persisted, through the parameter); its list is kept for the admin.
    listed = await request_with(proc.port, "/axis-cgi/ipfilter.cgi?action=list", "root", "pw1")
    assert listed == (200, b"Accept addresses: 10.0.0.1\r\nEnabled: no\r\n")
    code, _, stderr = await proc.stop()
    assert code == 0
    assert b"IP filter switched off at start-up (--no-ip-filter)" in stderr
    # It stays off on a later start without the flag (until an administrator turns it on).
    proc = await serve(processes, data, "--root-password", "pw1")
    assert await status_with(proc.port, "root", "pw1") == 200
    assert (await proc.stop())[0] == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_signals_shut_down_cleanly(
    processes: list[Process], tmp_path: Path, sig: int
) -> None:
    data = tmp_path / "data"
    proc = await serve(processes, data, "--root-password", "pw1", "--log-level", "info")
    # Leave a change behind and an idle keep-alive connection open.
    reader, writer = await asyncio.open_connection("127.0.0.1", proc.port)
    token = base64.b64encode(b"root:pw1").decode()
    writer.write(
        b"GET /param.cgi?action=update&Image.MaxViewers=3 HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: Basic {token}\r\n\r\n".encode()
    )
    await writer.drain()
    assert b"OK\r\n" in await asyncio.wait_for(reader.read(300), 10)
    started = asyncio.get_running_loop().time()
    code, _, err = await proc.stop(sig)
    assert code == 0, err
    assert asyncio.get_running_loop().time() - started < 8
    assert b"Traceback" not in err
    assert b"Shutting down" in err
    writer.close()
    # Closed cleanly: the WAL was checkpointed away and the database is intact.
    assert not (data / "ipcamd.sqlite3-wal").exists()
    with sqlite3.connect(data / "ipcamd.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        row = conn.execute("SELECT value FROM param_value WHERE name='Image.MaxViewers'")
        assert row.fetchone() == ("3",)
    # And it starts again on the same data.
    again = await serve(processes, data, "--root-password", "pw1")
    assert await status_with(again.port, "root", "pw1") == 200
    assert (await again.stop())[0] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('port = "abc"\n', b"configuration key 'port' must be int, not 'abc'"),
        ("port = \n", b"cannot read config"),
        ("[server]\nfoo = 1\n", b"unknown configuration key 'foo'"),
        ("cameras = 9\n", b"cameras must be 1 to 4"),
        (None, b"cannot read config"),
    ],
)
async def test_bad_config_exits_2(tmp_path: Path, content: str | None, message: bytes) -> None:
    config = tmp_path / "ipcamd.toml"
    if content is not None:
        config.write_text(content)
    proc = await spawn("serve", "--config", str(config), "--data-dir", str(tmp_path / "data"))
    out, err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert proc.process.returncode == 2
    assert err.startswith(b"ipcamd: ")
    assert message in err
    assert b"Traceback" not in err
    assert out == b""


async def test_good_config_file(processes: list[Process], tmp_path: Path) -> None:
    config = tmp_path / "ipcamd.toml"
    config.write_text('[server]\nhost = "127.0.0.1"\nroot_password = "fromFile1"\n')
    proc = await serve(processes, tmp_path / "data", "--config", str(config))
    assert await status_with(proc.port, "root", "fromFile1") == 200
    assert (await proc.stop())[0] == 0


async def test_port_in_use_exits_1(processes: list[Process], tmp_path: Path) -> None:
    first = await serve(processes, tmp_path / "a", "--root-password", "pw1")
    proc = await spawn(
        "serve",
        "--port",
        str(first.port),
        "--rtsp-port",
        "0",
        "--data-dir",
        str(tmp_path / "b"),
        "--root-password",
        "x1",
    )
    _out, err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert proc.process.returncode == 1
    assert b"ipcamd: cannot start:" in err
    assert b"Traceback" not in err
    assert (await first.stop())[0] == 0


@pytest.mark.parametrize(("level", "shown"), [("info", True), ("warning", False)])
async def test_logs_go_to_stderr(
    processes: list[Process], tmp_path: Path, level: str, shown: bool
) -> None:
    proc = await serve(processes, tmp_path / "data", "--root-password", "pw1", "--log-level", level)
    assert await status_with(proc.port, "root", "wrong") == 401  # logged at warning
    code, out, err = await proc.stop()
    assert code == 0
    assert re.search(
        rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING .*Failed login for 'root'", err
    )
    assert (b" INFO " in err) is shown
    assert b"WARNING" not in proc.stdout + out


# ----------------------------------------------------------------------------- root password
# Issue 9, point 12: --root-password shows in /proc/<pid>/cmdline to every local user.


async def test_root_password_from_a_file(processes: list[Process], tmp_path: Path) -> None:
    secret = tmp_path / "root-password"
    secret.write_text("fileSecret1\n")
    secret.chmod(0o600)
    proc = await serve(processes, tmp_path / "data", "--root-password-file", str(secret))
    assert await status_with(proc.port, "root", "fileSecret1") == 200
    cmdline = Path(f"/proc/{proc.process.pid}/cmdline").read_bytes()
    assert b"fileSecret1" not in cmdline
    code, rest, err = await proc.stop()
    assert code == 0
    assert b"fileSecret1" not in proc.stdout + rest + err
    assert b"visible" not in err  # no warning: the file is the way to do it


async def test_root_password_on_the_command_line_warns(
    processes: list[Process], tmp_path: Path
) -> None:
    proc = await serve(processes, tmp_path / "data", "--root-password", "flagSecret1")
    code, _rest, err = await proc.stop()
    assert code == 0
    assert b"--root-password is visible to every local user" in err
    assert b"flagSecret1" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--root-password-file", "missing"), b"cannot read the root password file"),
        (("--root-password-file", "empty"), b"is empty"),
        (
            ("--root-password-file", "empty", "--root-password", "x1"),
            b"give root_password or root_password_file, not both",
        ),
    ],
)
async def test_bad_root_password_file_exits_2(
    tmp_path: Path, args: tuple[str, ...], message: bytes
) -> None:
    (tmp_path / "empty").write_text("\n")
    resolved = [str(tmp_path / a) if a in ("missing", "empty") else a for a in args]
    proc = await spawn("serve", "--data-dir", str(tmp_path / "data"), *resolved)
    out, err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert proc.process.returncode == 2
    assert message in err, err
    assert b"Traceback" not in err
    assert out == b""


async def test_serve_help_says_how_to_pass_the_root_password() -> None:
    proc = await spawn("serve", "--help")
    out, _err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert proc.process.returncode == 0
    text = b" ".join(out.split())
    assert b"--root-password-file FILE" in text
    assert b"IPCAMD_ROOT_PASSWORD" in text
    assert b"visible to every local user" in text
