"""Service tables registered as configuration: in backups, restored, emptied by a hard default."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipcamd.access import AccessLevel
from ipcamd.db import Database
from ipcamd.device import build_schema
from ipcamd.errors import InvalidParameter
from ipcamd.identity import Identity
from ipcamd.params.store import ParamStore
from ipcamd.system.backup import dump_step, make_archive, parse_backup
from ipcamd.system.config_tables import ConfigTable, ConfigTables, Row
from ipcamd.system.defaults import hard_default
from tests.system.archives import edit_backup

KEY = b"k" * 32
#: An edited archive is no longer signed by the unit: restored as root restores another unit's.
EDITED = {"key": KEY, "caller": AccessLevel.ROOT, "foreign": True}


def _only_allow_or_deny(row: Row) -> None:
    if row["policy"] not in ("allow", "deny"):
        raise InvalidParameter("policy must be allow or deny")


def _unit(tmp_path: Path) -> tuple[Database, Identity, ConfigTables]:
    db = Database(tmp_path / "db.sqlite3")
    db.call(lambda c: c.execute("CREATE TABLE rules (address TEXT, policy TEXT)"))
    db.call(lambda c: c.execute("INSERT INTO rules VALUES('10.0.0.0/8', 'allow')"))
    identity = Identity(mac="02:AB:CD:EF:01:23")
    ParamStore(build_schema(identity), db)  # initialises the parameter tables
    db.call(
        lambda c: c.execute(
            "INSERT INTO user_account VALUES('root', 'root', 'axadmin', '', "
            "'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA', ?, ?, 0)",
            ("0" * 32, "0" * 64),
        )
    )
    tables = ConfigTables()
    tables.register(ConfigTable("rules", ("address", "policy"), _only_allow_or_deny))
    return db, identity, tables


def _rows(db: Database) -> list[tuple[str, str]]:
    return db.call(lambda c: c.execute("SELECT address, policy FROM rules").fetchall())


def test_registered_table_round_trips_through_a_backup(tmp_path: Path) -> None:
    db, identity, tables = _unit(tmp_path)
    schema = build_schema(identity)
    archive = make_archive(identity, db.call(dump_step(schema, tables, accounts=True)), KEY)

    def change(data: dict[str, list[list[str]]]) -> None:
        data["rows"] = [["192.168.0.0/16", "deny"], ["10.0.0.1/32", "allow"]]

    edited = edit_backup(archive, "tables/rules.json", change)
    plan = parse_backup(edited, identity, schema, tables, **EDITED)  # type: ignore[arg-type]
    db.call(db.transaction(plan.apply))
    assert _rows(db) == [("192.168.0.0/16", "deny"), ("10.0.0.1/32", "allow")]
    db.call(db.transaction(hard_default(schema, tables)))
    assert _rows(db) == []
    db.close()


def test_service_validator_refuses_a_bad_row(tmp_path: Path) -> None:
    db, identity, tables = _unit(tmp_path)
    schema = build_schema(identity)
    archive = make_archive(identity, db.call(dump_step(schema, tables, accounts=True)), KEY)

    def change(data: dict[str, list[list[str]]]) -> None:
        data["rows"] = [["10.0.0.0/8", "maybe"]]

    edited = edit_backup(archive, "tables/rules.json", change)
    with pytest.raises(InvalidParameter, match="bad row in rules: policy must be allow or deny"):
        parse_backup(edited, identity, schema, tables, **EDITED)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter, match="unknown table 'rules'"):
        parse_backup(archive, identity, schema, ConfigTables(), key=KEY, caller=AccessLevel.ROOT)
    assert _rows(db) == [("10.0.0.0/8", "allow")]
    db.close()


def test_table_names_must_be_plain_identifiers() -> None:
    with pytest.raises(InvalidParameter):
        ConfigTable("rules; DROP TABLE meta", ("a",))
