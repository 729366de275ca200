"""FramePicker: which source frames a frame-rate profile takes, from their timestamps alone."""

from __future__ import annotations

import random

import pytest

from ipcamd.video.pacing import FramePicker


def taken(fps: float, stamps: list[float]) -> list[int]:
    """Indexes of the ``stamps`` a fresh picker at ``fps`` takes."""
    picker = FramePicker(fps)
    return [index for index, when in enumerate(stamps) if picker.take(when)]


def source(rate: float, seconds: float, start: float = 1000.0) -> list[float]:
    return [start + n / rate for n in range(int(rate * seconds))]


def test_half_the_source_rate_takes_every_other_frame() -> None:
    assert taken(15, source(30, 4)) == list(range(0, 120, 2))


def test_a_third_of_the_source_rate_takes_every_third_frame() -> None:
    assert taken(10, source(30, 4)) == list(range(0, 120, 3))


@pytest.mark.parametrize(("fps", "rate"), [(30, 30), (15, 15), (15, 10), (100, 30), (25, 24)])
def test_a_source_at_or_below_the_rate_has_every_frame_taken(fps: float, rate: float) -> None:
    stamps = source(rate, 4)
    assert taken(fps, stamps) == list(range(len(stamps)))


def test_jitter_up_to_an_eighth_period_loses_nothing_at_the_source_rate() -> None:
    shake = random.Random(7)
    stamps = [when + shake.uniform(-1 / 240, 1 / 240) for when in source(30, 10)]
    assert taken(30, stamps) == list(range(len(stamps)))
    halved = taken(15, stamps)
    assert halved == list(range(0, len(stamps), 2))


@pytest.mark.parametrize("fps", [1, 4, 7.5, 12, 29])
def test_never_more_than_the_rate_from_a_fast_irregular_source(fps: float) -> None:
    shake = random.Random(fps)
    stamps, when = [], 0.0
    for _ in range(3000):
        when += shake.uniform(0.001, 0.03)
        stamps.append(when)
    picks = [stamps[i] for i in taken(fps, stamps)]
    # In any window, at most fps per second plus the bucket's 1.25 frames.
    for first, start in enumerate(picks):
        inside = sum(1 for t in picks[first:] if t < start + 1.0)
        assert inside <= fps + 1.25
    # Credit beyond the bucket is lost, so a source this irregular gives a little less
    # (about 90 % at 29 fps from gaps of 1-30 ms; all of it at low rates).
    assert len(picks) >= fps * (stamps[-1] - stamps[0]) * 0.85


def test_the_choice_depends_only_on_the_timestamps() -> None:
    shake = random.Random(3)
    stamps = sorted(shake.uniform(0, 10) for _ in range(500))
    assert taken(6, stamps) == taken(6, list(stamps))
    assert len(taken(6, stamps)) <= 6 * 10 + 1.25


def test_a_clock_set_back_does_not_stall_the_profile() -> None:
    stamps = source(30, 1) + source(30, 1, start=500.0)  # the host clock went back 500 s
    picks = taken(15, stamps)
    assert picks[:15] == list(range(0, 30, 2))
    assert len([i for i in picks if i >= 30]) >= 14


def test_due_and_expected() -> None:
    picker = FramePicker(10)
    assert picker.due is None
    assert picker.expected is None
    assert picker.take(100.0)
    assert picker.due == pytest.approx(100.075)  # a quarter period early is allowed
    assert not picker.take(100.05)
    assert picker.expected == pytest.approx(100.075 + 0.05)
    assert picker.take(100.1)
