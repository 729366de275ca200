"""System log and IP filter costs: log lines per second into the ring, filter checks per second.

Run: ``.venv/bin/python bench/system.py`` (prints figures; asserts nothing).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import tempfile
import time
from pathlib import Path

from ipcamd.auth.ipfilter import MAX_ENTRIES, FilterPolicy, FilterSettings
from ipcamd.config import Config
from ipcamd.device import Device

LINES = 20_000
CHECKS = 20_000


async def bench_log(data_dir: Path) -> None:
    device = await asyncio.to_thread(
        Device, Config(data_dir=data_dir, root_password="pass", port=0)
    )
    await device.start()
    logger = logging.getLogger("ipcamd.bench")
    logging.getLogger().handlers.clear()
    start = time.perf_counter()
    for i in range(LINES):
        logger.info("bench line %d", i)
    queued = time.perf_counter() - start
    start = time.perf_counter()
    await device.syslog.async_flush()
    flushed = time.perf_counter() - start
    start = time.perf_counter()
    lines = await device.syslog.async_lines()
    read = time.perf_counter() - start
    await device.stop()
    device.close()
    print(f"log: {LINES / queued:,.0f} lines/s queued on the caller's thread")
    print(f"log: {LINES} lines flushed to SQLite in {flushed * 1000:.0f} ms (off the loop)")
    print(f"log: {len(lines)} kept lines read in {read * 1000:.0f} ms")


def bench_filter() -> None:
    networks = tuple(
        ipaddress.IPv4Network(f"10.{i // 256}.{i % 256}.0/24") for i in range(MAX_ENTRIES)
    )
    settings = FilterSettings(networks, enabled=True, policy=FilterPolicy.ALLOW)
    peer = ipaddress.IPv4Address("192.168.1.1")  # not listed: the worst case scans everything
    start = time.perf_counter()
    for _ in range(CHECKS):
        settings.allows(peer)
    elapsed = time.perf_counter() - start
    print(f"ipfilter: {elapsed / CHECKS * 1e6:.1f} µs per check with {MAX_ENTRIES} entries")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(bench_log(Path(directory)))
    bench_filter()


if __name__ == "__main__":
    main()
