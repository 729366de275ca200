"""Factory defaults (spec 5.1.3, 5.1.4) as one SQLite transaction over the stored state.

What survives is read from the schema, never listed here: a soft default keeps the parameters
marked ``keep_on_factory_default`` (the network identity) and every user account; a hard default
keeps nothing but the unit's identity (MAC, device secret). Both drop every dynamic group and
recreate the schema's initial ones. The device is opened again from disk afterwards, so the root
account a hard default removed is recreated by the first-start rule.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ipcamd.params.persistence import write_initial_groups
from ipcamd.params.schema import Schema, kept_on_factory_default
from ipcamd.system.config_tables import ConfigTable
from ipcamd.system.lifecycle import ApplyStep


def _reset_params(conn: sqlite3.Connection, schema: Schema, keep: Iterable[str]) -> None:
    kept = list(keep)
    placeholders = ",".join("?" * len(kept))
    if kept:
        conn.execute(f"DELETE FROM param_value WHERE name NOT IN ({placeholders})", kept)  # noqa: S608
    else:
        conn.execute("DELETE FROM param_value")
    conn.execute("DELETE FROM param_group")
    write_initial_groups(conn, schema)


def soft_default(schema: Schema) -> ApplyStep:
    """5.1.3: every parameter back to its default except the network identity; users kept."""
    keep = kept_on_factory_default(schema)

    def apply(conn: sqlite3.Connection) -> None:
        _reset_params(conn, schema, keep)

    return apply


def hard_default(schema: Schema, tables: Iterable[ConfigTable]) -> ApplyStep:
    """5.1.4: every parameter, every account and every service's config table reset."""
    names = [t.name for t in tables]

    def apply(conn: sqlite3.Connection) -> None:
        _reset_params(conn, schema, ())
        conn.execute("DELETE FROM user_account")
        for name in names:
            conn.execute(f"DELETE FROM {name}")  # noqa: S608 - registered identifiers only

    return apply
