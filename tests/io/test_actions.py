"""Action strings ``[<id>]:<a>[<wait><a>…]`` (spec 5.5), parsed whole before anything moves."""

from __future__ import annotations

import pytest

from ipcamd.errors import InvalidParameter
from ipcamd.io.actions import MAX_ACTIONS, MAX_WAIT_MS, Action, Step, parse_action


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        # The spec's three examples (5.5.1.2).
        ("1:/", Action(1, (Step(0, True),))),
        (
            "1:/300\\500/300\\",
            Action(1, (Step(0, True), Step(300, False), Step(800, True), Step(1100, False))),
        ),
        ("1:1000/", Action(1, (Step(1000, True),))),
        # The axis library's form (port.cgi?action=<n>%3A%2F / %3A%5C, decoded).
        ("3:/", Action(3, (Step(0, True),))),
        ("3:\\", Action(3, (Step(0, False),))),
        # Port omitted: the default output.
        (":/", Action(None, (Step(0, True),))),
        # A zero-length pulse and a zero wait are both allowed (two changes, at once).
        ("2:/\\", Action(2, (Step(0, True), Step(0, False)))),
        ("2:/0\\", Action(2, (Step(0, True), Step(0, False)))),
        ("02:/", Action(2, (Step(0, True),))),
    ],
)
def test_valid_actions(text: str, parsed: Action) -> None:
    assert parse_action(text) == parsed


def test_duration_is_the_time_of_the_last_step() -> None:
    assert parse_action("1:/300\\500/300\\").duration_ms == 1100
    assert parse_action("1:/").duration_ms == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1:/abc", "Invalid character 'a'"),
        ("1:/300 \\", "Invalid character ' '"),
        ("1:/-300\\", "Invalid character '-'"),
        ("1:", "no action character"),
        ("1:300", "no action character"),
        ("1:/300", "unbalanced"),
        ("1:/300\\500/300", "unbalanced"),
        ("/", "expected [<port>]:"),
        ("1/", "expected [<port>]:"),
        ("a:/", "expected [<port>]:"),
        ("1::/", "Invalid character ':'"),
        ("123456:/", "expected [<port>]:"),
        ("", "expected [<port>]:"),
        (f"1:/{MAX_WAIT_MS + 1}\\", "longer than"),
        ("1:" + "/" * (MAX_ACTIONS + 1), f"more than {MAX_ACTIONS}"),
        ("1:/\n", "Invalid character"),
    ],
)
def test_malformed_actions_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidParameter, match=reason.replace("[", r"\[")):
        parse_action(text)


def test_the_longest_allowed_sequence_parses() -> None:
    text = "1:" + f"/{MAX_WAIT_MS}\\" * (MAX_ACTIONS // 2)
    action = parse_action(text)
    assert len(action.steps) == MAX_ACTIONS
    assert action.duration_ms == MAX_WAIT_MS * (MAX_ACTIONS // 2)
