"""The guards of tests/guards.py catch what they promise, and only that.

Product code is stood in for by functions compiled as a module of the ``ipcamd`` package (the
guards tell the product's calls from a test's by the module that makes them).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.guards import GUARD, LARGE_FILE, threads_still_running

PRODUCT_SOURCE = """
import av, hashlib, simplejpeg, sqlite3, time
import numpy

def blocking_calls(path, big, thread, future):
    time.sleep(0)
    conn = sqlite3.connect(path)
    conn.execute("SELECT 1")
    conn.commit()
    conn.close()
    hashlib.scrypt(b"pw", salt=b"salt", n=2, r=1, p=1)
    simplejpeg.encode_jpeg(numpy.zeros((8, 8, 3), dtype=numpy.uint8))
    try:
        av.open(str(path) + ".missing")
    except Exception:
        pass
    with open(big, "rb"):
        pass
    thread.join(0.001)
    try:
        future.result(0.001)
    except Exception:
        pass

async def async_blocking_calls(*args):
    blocking_calls(*args)

def callback(done, *args):
    blocking_calls(*args)
    done.set()

def sync_api(*args):
    blocking_calls(*args)
"""

CALLS = [
    "time.sleep",
    "sqlite3 Connection.execute",
    "sqlite3 Connection.commit",
    "hashlib.scrypt",
    "simplejpeg.encode_jpeg",
    "av.open",
    "opening",
    "Thread.join",
    "waiting on a concurrent.futures.Future",
]


@pytest.fixture
def product() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "ipcamd.standin"}
    exec(compile(PRODUCT_SOURCE, "ipcamd/standin.py", "exec"), namespace)
    return namespace


@pytest.fixture
def blockers(tmp_path: Path) -> Iterator[tuple[Any, ...]]:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(LARGE_FILE))
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="held")
    thread.start()
    future: concurrent.futures.Future[None] = concurrent.futures.Future()
    yield tmp_path / "x.sqlite3", big, thread, future
    release.set()
    thread.join()


def _taken() -> list[str]:
    """The calls recorded so far (cleared, so this test's guard does not fail it)."""
    found = [v.call for v in GUARD.violations]
    GUARD.violations.clear()
    return found


def _assert_every_call(found: list[str]) -> None:
    for call in CALLS:
        assert any(name.startswith(call) for name in found), (call, found)


async def test_product_code_awaited_on_the_loop_is_caught(
    product: dict[str, Any], blockers: tuple[Any, ...]
) -> None:
    await product["async_blocking_calls"](*blockers)
    _assert_every_call(_taken())


async def test_product_code_in_a_task_or_callback_is_caught(
    product: dict[str, Any], blockers: tuple[Any, ...]
) -> None:
    await asyncio.get_running_loop().create_task(product["async_blocking_calls"](*blockers))
    _assert_every_call(_taken())
    done = asyncio.Event()
    asyncio.get_running_loop().call_soon(product["callback"], done, *blockers)
    await done.wait()
    _assert_every_call(_taken())


async def test_the_same_calls_off_the_loop_are_fine(
    product: dict[str, Any], blockers: tuple[Any, ...]
) -> None:
    await asyncio.to_thread(product["blocking_calls"], *blockers)
    assert _taken() == []


async def test_a_tests_own_synchronous_calls_are_its_business(
    product: dict[str, Any], blockers: tuple[Any, ...]
) -> None:
    call: Callable[..., None] = product["sync_api"]
    call(*blockers)
    assert _taken() == []


def test_nothing_is_recorded_without_a_loop(
    product: dict[str, Any], blockers: tuple[Any, ...]
) -> None:
    product["blocking_calls"](*blockers)
    assert _taken() == []


def test_a_thread_still_running_is_reported_after_a_bounded_wait() -> None:
    before = set(threading.enumerate())
    release = threading.Event()
    ending = threading.Thread(target=lambda: None, name="ending")
    stuck = threading.Thread(target=release.wait, name="stuck")
    ending.start()
    stuck.start()
    try:
        assert [t.name for t in threads_still_running(before, 0.05)] == ["stuck"]
    finally:
        release.set()
        stuck.join()
    assert threads_still_running(before, 0.05) == []
