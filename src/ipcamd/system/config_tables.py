"""Which SQLite tables hold configuration, declared by the service that owns each.

A service whose settings live in its own table (the IP filter's rules, syslog targets…) registers
it here once: a hard factory default empties it, a backup carries its rows and a restore replaces
them after checking every row with the service's own validator. Parameters and users are not
registered here; the backup module handles them itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ipcamd.errors import Conflict, InvalidParameter

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")

#: A row as the backup carries it: column name → SQLite value.
Row = Mapping[str, object]


def _accept_any(_row: Row) -> None:
    """The default row check: columns and value types are checked by the backup module."""


@dataclass(frozen=True)
class ConfigTable:
    """A table of configuration rows: name, columns (in order) and a row validator."""

    name: str
    columns: tuple[str, ...]
    #: Raises :class:`InvalidParameter` for a row that must not be restored.
    validate_row: Callable[[Row], None] = _accept_any
    max_rows: int = 10_000

    def __post_init__(self) -> None:
        for identifier in (self.name, *self.columns):
            if not _IDENTIFIER.fullmatch(identifier):
                raise InvalidParameter(f"not a plain SQL identifier: {identifier!r}")
        if not self.columns:
            raise InvalidParameter(f"table {self.name} declares no columns")


class ConfigTables:
    """The registry a device keeps; services add their tables while the device is built."""

    def __init__(self) -> None:
        self._tables: dict[str, ConfigTable] = {}

    def register(self, table: ConfigTable) -> None:
        """Declare ``table`` as configuration (once per name)."""
        if table.name in self._tables:
            raise Conflict(f"config table {table.name} registered twice")
        self._tables[table.name] = table

    def get(self, name: str) -> ConfigTable | None:
        """The registered table called ``name``."""
        return self._tables.get(name)

    def __iter__(self) -> Iterator[ConfigTable]:
        return iter(self._tables.values())

    def __len__(self) -> int:
        return len(self._tables)
