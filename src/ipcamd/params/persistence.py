"""How the tree lies in SQLite: ``param_value`` (name → value), ``param_group`` (dynamic groups).

Static parameters start at their schema defaults and stored rows override them; a dynamic group
is a ``param_group`` row with its values in ``param_value``. The initial dynamic groups of a new
unit (and of a factory default) are schema data, written here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from ipcamd.params.schema import Schema

#: The ``meta`` key that says the initial groups were written (once per data directory).
INITIALIZED = "params.initialized"


@dataclass
class Plan:
    """A validated change, ready to commit: values to set, groups to add and to remove."""

    values: dict[str, str] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)  # instance path -> template name
    removed: list[str] = field(default_factory=list)


def read_all(
    conn: sqlite3.Connection,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], bool]:
    """(group path, template) rows, (name, value) rows, and whether the unit was initialised."""
    groups = conn.execute("SELECT path, template FROM param_group").fetchall()
    values = conn.execute("SELECT name, value FROM param_value").fetchall()
    initialized = conn.execute("SELECT 1 FROM meta WHERE key=?", (INITIALIZED,)).fetchone()
    return groups, values, initialized is not None


def initialize(conn: sqlite3.Connection, schema: Schema) -> None:
    """Create the initial dynamic groups of a new unit and remember that it was done."""
    write_initial_groups(conn, schema)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, '1')", (INITIALIZED,))


def write_initial_groups(conn: sqlite3.Connection, schema: Schema) -> None:
    """Insert the dynamic groups a new unit starts with, numbered from 0 per parent."""
    counters: dict[str, int] = {}
    for parent, template_name, values in schema.initial_groups:
        template = schema.templates[template_name]
        number = counters.get(parent, 0)
        counters[parent] = number + 1
        path = f"{parent}.{template.letter}{number}"
        conn.execute("INSERT INTO param_group(path, template) VALUES(?, ?)", (path, template_name))
        conn.executemany(
            "INSERT INTO param_value(name, value) VALUES(?, ?)",
            [(f"{path}.{s.name}", values.get(s.name, s.default)) for s in template.params],
        )


def persist(conn: sqlite3.Connection, plan: Plan) -> None:
    """Write ``plan`` (inside the caller's transaction)."""
    for path in plan.removed:
        # Everything below ``path`` lies in [path + ".", path + "/"): "/" follows "." in ASCII,
        # so the primary-key index answers the range instead of a scan of every row.
        below = (path + ".", path + "/")
        conn.execute(
            "DELETE FROM param_group WHERE path=? OR (path >= ? AND path < ?)", (path, *below)
        )
        conn.execute("DELETE FROM param_value WHERE name >= ? AND name < ?", below)
    for path, template in plan.added.items():
        conn.execute("INSERT INTO param_group(path, template) VALUES(?, ?)", (path, template))
    conn.executemany(
        "INSERT INTO param_value(name, value) VALUES(?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
        list(plan.values.items()),
    )
