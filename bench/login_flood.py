"""Logins of a real user while a flood of wrong passwords runs (issue 9: throttling, check slots).

Starts ``ipcamd serve`` as its own process on 127.0.0.1 with a fresh data directory and
``auth_lockout = 1`` (an address locked out gets its budget of tries back every second: the
effect of an attacker who rotates addresses, which a real one on IPv6 can do at will). The real
user connects from 127.0.0.10 and, in each window, runs three sequential clients at once:

- Basic (cached): root's Basic credentials on every request of a keep-alive connection;
- Basic (first): the first login of a fresh viewer account, one offered every 0.2 s (each
  needs a real password check);
- Digest: a whole Digest login as root (the 401 challenge, then the signed request).

The flood runs in a separate process: ``--flood-clients`` keep-alive connections spread over
127.0.0.1-127.0.0.9, each sending Basic logins with wrong passwords as fast as they are
answered, alternately for ``root`` and for names that do not exist. Per phase (idle, flood)
the figures are the medians of ``--windows`` windows of ``--seconds`` seconds each.

    .venv/bin/python bench/login_flood.py             # about 1 minute
    .venv/bin/python bench/login_flood.py --quick     # about 25 seconds

The machine is shared: read the figures as an order of magnitude, not to the last digit.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer

PASSWORD = "benchroot1"
USER_ADDRESS = "127.0.0.10"
FLOOD_ADDRESSES = [f"127.0.0.{i}" for i in range(1, 10)]
PATH = "/axis-cgi/param.cgi?action=list&group=Brand.Brand"
COLD_INTERVAL = 0.2
CONFIG = "auth_lockout = 1\n"


# ----------------------------------------------------------------------------- the server


def server(directory: Path) -> BenchServer:
    """``ipcamd serve`` in its own process, the root password from the environment as the
    README says, with a short lock-out window (``bench.toml`` in ``directory``)."""
    config = directory / "bench.toml"
    config.write_text(CONFIG)
    return BenchServer(
        cli=["--config", str(config)],
        password=PASSWORD,
        log_level="error",
        data_dir=directory / "data",
    )


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


async def create_accounts(url: str, count: int) -> list[tuple[str, str]]:
    accounts = [(f"cold{i}", f"coldpw{i}") for i in range(count)]
    async with aiohttp.ClientSession(headers=basic("root", PASSWORD)) as session:
        for name, password in accounts:
            query = f"action=add&user={name}&pwd={password}&grp=users&sgrp=axview"
            async with session.get(f"{url}/axis-cgi/pwdgrp.cgi?{query}") as response:
                body = await response.read()
            assert body == f"Created account {name}.\r\n".encode(), body
    return accounts


# ----------------------------------------------------------------------------- the real user


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    started: float = field(default_factory=time.perf_counter)
    ended: float = 0.0


def session_from(address: str) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=1, local_addr=(address, 0), force_close=False)
    return aiohttp.ClientSession(connector=connector)


async def basic_cached(url: str, deadline: float, sample: Sample) -> None:
    async with session_from(USER_ADDRESS) as session:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with session.get(url + PATH, headers=basic("root", PASSWORD)) as response:
                await response.read()
            if response.status == 200:
                sample.latencies.append(time.perf_counter() - started)
            else:
                sample.refused += 1


async def basic_first(
    url: str, deadline: float, sample: Sample, accounts: list[tuple[str, str]]
) -> None:
    async with session_from(USER_ADDRESS) as session:
        while time.perf_counter() < deadline and accounts:
            name, password = accounts.pop()
            started = time.perf_counter()
            async with session.get(url + PATH, headers=basic(name, password)) as response:
                await response.read()
            elapsed = time.perf_counter() - started
            if response.status == 200:
                sample.latencies.append(elapsed)
            else:
                sample.refused += 1
            await asyncio.sleep(max(0.0, COLD_INTERVAL - elapsed))


def _challenge(header: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="?([^",]*)"?', header.partition(" ")[2]))


def digest_header(challenge: dict[str, str], method: str, uri: str) -> str:
    realm, nonce = challenge["realm"], challenge["nonce"]
    cnonce = secrets.token_hex(8)

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = h(f"root:{realm}:{PASSWORD}")
    response = h(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{h(f'{method}:{uri}')}")
    return (
        f'Digest username="root", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'algorithm=MD5, response="{response}", qop=auth, nc=00000001, cnonce="{cnonce}"'
    )


async def digest_login(url: str, deadline: float, sample: Sample) -> None:
    async with session_from(USER_ADDRESS) as session:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with session.get(url + PATH) as first:
                await first.read()
            md5 = [v for v in first.headers.getall("WWW-Authenticate", []) if "MD5" in v]
            if first.status != 401 or not md5:
                sample.refused += 1
                continue
            header = digest_header(_challenge(md5[0]), "GET", PATH)
            async with session.get(url + PATH, headers={"Authorization": header}) as response:
                await response.read()
            if response.status == 200:
                sample.latencies.append(time.perf_counter() - started)
            else:
                sample.refused += 1


KINDS = ("Basic (cached)", "Basic (first)", "Digest")


async def window(
    url: str, seconds: float, accounts: list[tuple[str, str]]
) -> dict[str, tuple[float, float, float, int]]:
    samples = {kind: Sample() for kind in KINDS}
    deadline = time.perf_counter() + seconds

    async def timed(kind: str, client: Awaitable[None]) -> None:
        await client
        samples[kind].ended = time.perf_counter()

    await asyncio.gather(
        timed("Basic (cached)", basic_cached(url, deadline, samples["Basic (cached)"])),
        timed("Basic (first)", basic_first(url, deadline, samples["Basic (first)"], accounts)),
        timed("Digest", digest_login(url, deadline, samples["Digest"])),
    )
    return {kind: figures(sample) for kind, sample in samples.items()}


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def figures(sample: Sample) -> tuple[float, float, float, int]:
    """Logins per second over the client's own run (its last login may end after the window),
    p50 and p99 in ms, refusals."""
    values = sample.latencies
    return (
        len(values) / (sample.ended - sample.started),
        quantile(values, 0.50) * 1000,
        quantile(values, 0.99) * 1000,
        sample.refused,
    )


def print_phase(name: str, windows: list[dict[str, tuple[float, float, float, int]]]) -> None:
    for kind in KINDS:
        rows = [w[kind] for w in windows]
        rate = statistics.median(r[0] for r in rows)
        p50 = statistics.median(r[1] for r in rows)
        p99 = statistics.median(r[2] for r in rows)
        refused = sum(r[3] for r in rows)
        print(f"{name:<6} {kind:<15} {rate:>9.1f} {p50:>9.1f} {p99:>9.1f} {refused:>8}")


# ----------------------------------------------------------------------------- the flood


async def flood_worker(url: str, clients: int, seconds: float) -> None:
    """The flood's own process: prints ``started``, then its counts as one JSON line."""
    counts: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        address = FLOOD_ADDRESSES[number % len(FLOOD_ADDRESSES)]
        async with session_from(address) as session:
            i = 0
            while time.perf_counter() < deadline:
                user = "root" if i % 2 == 0 else f"nobody{number}x{i}"
                headers = basic(user, secrets.token_hex(6))
                try:
                    async with session.get(url + PATH, headers=headers) as response:
                        await response.read()
                    key = str(response.status)
                except aiohttp.ClientError:
                    key = "error"
                counts[key] = counts.get(key, 0) + 1
                i += 1

    print("started", flush=True)
    await asyncio.gather(*(client(n) for n in range(clients)))
    print(json.dumps(counts), flush=True)


async def start_flood(url: str, clients: int, seconds: float) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--flood-worker",
        url,
        "--flood-clients",
        str(clients),
        "--seconds",
        str(seconds),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert (await asyncio.wait_for(process.stdout.readline(), 30)).strip() == b"started"
    return process


# ----------------------------------------------------------------------------- main


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--flood-clients", type=int, default=128)
    parser.add_argument("--quick", action="store_true", help="3 windows of 1.5 s (smoke run)")
    parser.add_argument("--flood-worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood_worker:
        await flood_worker(args.flood_worker, args.flood_clients, args.seconds)
        return
    if args.quick:
        args.seconds = 1.5
    per_phase = int(args.windows * args.seconds / COLD_INTERVAL) + 2
    with tempfile.TemporaryDirectory(prefix="ipcamd-bench-") as directory:
        async with server(Path(directory)) as ipcamd:
            url = ipcamd.url
            accounts = await create_accounts(url, 2 * per_phase)
            idle_accounts, flood_accounts = accounts[:per_phase], accounts[per_phase:]
            print(
                f"ipcamd at {url} (auth_lockout=1 s); real user from {USER_ADDRESS}; flood: "
                f"{args.flood_clients} connections from 127.0.0.1-9, Basic, wrong passwords "
                f"for root and unknown names; {args.windows} windows of {args.seconds:g} s, "
                "medians"
            )
            print(
                f"{'phase':<6} {'login':<15} {'logins/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
                f"{'refused':>8}"
            )
            idle = [await window(url, args.seconds, idle_accounts) for _ in range(args.windows)]
            print_phase("idle", idle)
            flood = await start_flood(url, args.flood_clients, args.windows * args.seconds + 2)
            loaded = [await window(url, args.seconds, flood_accounts) for _ in range(args.windows)]
            print_phase("flood", loaded)
            assert flood.stdout is not None
            counts = json.loads(await asyncio.wait_for(flood.stdout.readline(), 60))
            await flood.wait()
            total = sum(counts.values())
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            print(f"flood: {total} guesses ({shown})")


if __name__ == "__main__":
    asyncio.run(main())
