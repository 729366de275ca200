"""Names and patterns of the tree: the ``root.`` prefix, natural order, wildcard selection.

Pure functions over parameter names, shared by listing and planning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

ROOT = "root"


def strip_root(name: str) -> tuple[str, bool]:
    """``root.Brand.Brand`` → (``Brand.Brand``, True); names without the prefix pass unchanged."""
    if name == ROOT:
        return "", True
    if name.startswith(ROOT + "."):
        return name[len(ROOT) + 1 :], True
    return name, False


def natural_key(path: str) -> tuple[tuple[str, int], ...]:
    """Sort ``Event.E10`` after ``Event.E9``: segments compared as (letters, number)."""
    key: list[tuple[str, int]] = []
    for segment in path.split("."):
        head = segment.rstrip("0123456789")
        tail = segment[len(head) :]
        key.append((head, int(tail) if tail else -1))
    return tuple(key)


def select(pattern: str, names: Sequence[str]) -> list[str]:
    """The names ``pattern`` selects: itself and everything below it, segment by segment.

    ``*`` matches any characters and ``?`` one character within one segment (never a dot);
    every other character is literal. A pattern without wildcards is a plain prefix test.
    """
    if "*" not in pattern and "?" not in pattern:
        dotted = pattern + "."
        return [n for n in names if n == pattern or n.startswith(dotted)]
    regex = re.compile(
        r"\.".join(
            re.escape(segment).replace(r"\*", "[^.]*").replace(r"\?", "[^.]")
            for segment in pattern.split(".")
        )
        + r"(?:\..*)?"
    )
    return [n for n in names if regex.fullmatch(n)]
