"""LoginThrottle on a fake clock: reservations, both limits, the window, bounded tables."""

from __future__ import annotations

import pytest

from ipcamd.auth.throttle import KNOWN_ADDRESSES, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def throttle(clock: Clock, **kwargs: object) -> LoginThrottle:
    settings: dict[str, object] = {
        "max_failures": 3,
        "window": 60.0,
        "lockout": 30.0,
        "account_max_failures": 5,
    }
    settings.update(kwargs)
    return LoginThrottle(clock=clock, **settings)  # type: ignore[arg-type]


def fail(t: LoginThrottle, address: str, account: str | None = "root") -> None:
    attempt = t.reserve(address, account)
    assert attempt.granted
    attempt.failed()


def test_reservations_count_before_their_checks_end(clock: Clock) -> None:
    t = throttle(clock)
    pending = [t.reserve("a", "root") for _ in range(3)]
    assert all(p.granted for p in pending)
    refused = t.reserve("a", "root")
    assert not refused.granted
    assert refused.retry_after == 1.0
    refused.failed()  # settling a refused attempt counts nothing
    for p in pending:
        p.release()
    assert t.reserve("a", "root").granted


def test_address_lock_then_a_fresh_count(clock: Clock) -> None:
    t = throttle(clock)
    for _ in range(3):
        fail(t, "a", f"user{_}")
    assert t.retry_after("a", "anyone") == 30.0
    clock.now += 29.5
    assert t.retry_after("a", "anyone") == pytest.approx(0.5)
    clock.now += 0.5
    assert t.retry_after("a", "anyone") == 0.0
    fail(t, "a", "x")
    fail(t, "a", "y")
    assert t.retry_after("a", "anyone") == 0.0


def test_success_clears_nobody(clock: Clock) -> None:
    t = throttle(clock)
    fail(t, "a")
    fail(t, "a")
    viewer = t.reserve("a", "vic")
    viewer.succeeded()
    t.note_success("a", "root")
    fail(t, "a", "other")
    assert t.retry_after("a", "vic") == 30.0


def test_account_limit_across_addresses_and_its_window(clock: Clock) -> None:
    t = throttle(clock)
    t.note_success("home", "root")
    for n in range(5):
        clock.now += 1
        fail(t, f"10.0.0.{n}", "ROOT" if n % 2 else "root")  # one account whatever the case
    # The oldest failure (at +1) leaves the 60 s window at +61: the account is free again then.
    assert t.retry_after("new", "root") == pytest.approx(56.0)
    assert t.retry_after("home", "root") == 0.0  # where root logged in before
    assert t.retry_after("new", "vic") == 0.0  # another account
    clock.now += 56.0
    assert t.retry_after("new", "root") == 0.0


def test_known_addresses_are_bounded(clock: Clock) -> None:
    t = throttle(clock)
    for n in range(KNOWN_ADDRESSES + 1):
        t.note_success(f"10.0.0.{n}", "root")
    for n in range(5):
        fail(t, f"10.1.0.{n}")
    assert t.retry_after("10.0.0.0", "root") > 0  # the oldest was forgotten
    assert t.retry_after(f"10.0.0.{KNOWN_ADDRESSES}", "root") == 0.0


def test_tables_stay_bounded(clock: Clock) -> None:
    t = throttle(clock, max_records=100, max_failures=1000, account_max_failures=1000)
    for n in range(1000):
        fail(t, f"10.0.{n // 256}.{n % 256}", f"name{n}")
    assert len(t._addresses) <= 100
    assert len(t._accounts) <= 100
