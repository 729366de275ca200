"""Action strings of ``io/port.cgi`` and ``io/output.cgi`` (5.5): ``[<id>]:<a>[<wait><a>…]``.

``<a>`` is ``/`` (active) or ``\\`` (inactive) and ``<wait>`` a delay in milliseconds before the
next character; a wait may also come first. ``1:/300\\500/300\\`` is two 300 ms pulses 500 ms
apart on port 1; ``1:1000/`` activates port 1 after a second; ``:/`` activates the default
output. A string is checked whole before anything moves.

>>> parse_action("1:/300\\\\500/300\\\\").steps  # doctest: +NORMALIZE_WHITESPACE
(Step(at_ms=0, active=True), Step(at_ms=300, active=False),
 Step(at_ms=800, active=True), Step(at_ms=1100, active=False))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipcamd.errors import InvalidParameter

#: Longest single wait, in milliseconds (an hour).
MAX_WAIT_MS = 3_600_000
#: Most action characters in one string.
MAX_ACTIONS = 64

_FORM = re.compile(r"(?P<id>[0-9]{0,5}):(?P<sequence>.*)", re.DOTALL)
#: The action characters and the state each sets.
_ACTIVE = {"/": True, "\\": False}
_TOKEN = re.compile(r"[0-9]+|[/\\]|.", re.DOTALL)


@dataclass(frozen=True)
class Step:
    """Set the port to ``active`` at ``at_ms`` milliseconds after the sequence started."""

    at_ms: int
    active: bool


@dataclass(frozen=True)
class Action:
    """A parsed action string: the port it names (None: the default one) and its steps."""

    port: int | None
    steps: tuple[Step, ...]

    @property
    def duration_ms(self) -> int:
        """Milliseconds from the first step to the last."""
        return self.steps[-1].at_ms


def parse_action(text: str) -> Action:
    """Parse ``[<id>]:<a>[<wait><a>…]``; :class:`InvalidParameter` names what is wrong.

    Refused: no colon, an id that is not a number, no action character, a character other than
    digits, ``/`` and ``\\``, a wait over :data:`MAX_WAIT_MS`, a wait with no action after it
    (``1:/300``: unbalanced), more than :data:`MAX_ACTIONS` actions.
    """
    match = _FORM.fullmatch(text)
    if match is None:
        raise InvalidParameter(
            f"Invalid action '{text}' (expected [<port>]:<a>[<wait><a>...], e.g. 1:/300\\)"
        )
    steps: list[Step] = []
    at = 0
    waiting = False
    for token in _TOKEN.findall(match.group("sequence")):
        if token in _ACTIVE:
            steps.append(Step(at, _ACTIVE[token]))
            waiting = False
        elif token.isdigit():
            wait = int(token)
            if wait > MAX_WAIT_MS:
                raise InvalidParameter(
                    f"Wait {token} ms in action '{text}' is longer than {MAX_WAIT_MS} ms"
                )
            at += wait
            waiting = True
        else:
            raise InvalidParameter(
                f"Invalid character '{token}' in action '{text}' (only / \\ and wait digits)"
            )
        if len(steps) > MAX_ACTIONS:
            raise InvalidParameter(f"Action '{text}' has more than {MAX_ACTIONS} actions")
    if not steps:
        raise InvalidParameter(f"Action '{text}' has no action character (/ or \\)")
    if waiting:
        raise InvalidParameter(
            f"Action '{text}' is unbalanced: it ends with a wait that no action follows"
        )
    port = match.group("id")
    return Action(int(port) if port else None, tuple(steps))
