"""Backup (5.1.5) and restore (5.1.6) of the whole configuration as a tar archive.

The archive holds ``params.json`` (dynamic groups and the value of every writable parameter),
``tables/<name>.json`` (each registered config table), ``users.json`` (the accounts with their
password hashes, in root's backups only: a Digest HA1 is password-equivalent, so no one else may
carry it away), ``manifest.json`` (product, firmware version, MAC, creation time and the SHA-256
of every other member) and ``manifest.hmac``: the HMAC-SHA256 of the manifest's bytes with a key
derived from the unit's secret (:func:`backup_key`). A restore reads the archive's shape, then
checks that signature before anything else in it is trusted, then the manifest, the product,
every checksum and every value against the schema, before it changes anything; the change
itself is one SQLite transaction run while the device is stopped.

Who restores what: an archive this unit signed is restored by any administrator, its accounts
only when the caller is root (an administrator's restore keeps the accounts as they are). An
archive this unit did not sign (another unit's, or an edited one) is refused unless root asks
for it (``foreign``); it is then restored like another unit's backup: without its network
identity (the parameters a factory default keeps, and the host name) and without its accounts
(Digest hashes are bound to the realm of the unit that made them, and a password can never be
recovered from them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ipcamd import PRODUCT
from ipcamd.access import AccessLevel
from ipcamd.auth.users import ROOT_USER, validate_account
from ipcamd.errors import InvalidParameter
from ipcamd.identity import Identity
from ipcamd.params.plans import check_group
from ipcamd.params.schema import ParamSpec, Schema, kept_on_factory_default, split_instance
from ipcamd.system.config_tables import ConfigTable, ConfigTables
from ipcamd.system.faults import fail, pause
from ipcamd.system.safetar import Source, read_members, write_members

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
PARAMS = "params.json"
USERS = "users.json"
_TABLE_MEMBER = re.compile(r"tables/([a-z][a-z0-9_]{0,62})\.json")
#: Largest upload restore.cgi reads, and largest member of the archive.
MAX_UPLOAD = 8 * 1024 * 1024
MAX_MEMBER = 4 * 1024 * 1024
#: Parameters another unit's backup never overwrites (besides the factory-default keep set).
UNIT_SPECIFIC = ("Network.HostName",)
_USER_FIELDS = ("name", "primary_group", "groups", "comment", "scrypt", "ha1_md5", "ha1_sha256")
_SCRYPT = re.compile(
    r"scrypt\$([0-9]{1,7})\$([0-9]{1,2})\$([0-9]{1,2})\$[A-Za-z0-9+/=]{4,64}"
    r"\$[A-Za-z0-9+/=]{4,128}"
)
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MAC = re.compile(r"[0-9A-F]{2}(:[0-9A-F]{2}){5}")


def backup_key(secret: bytes) -> bytes:
    """The key that signs this unit's backups, derived from its secret (never stored, never
    shown: only the unit that made a backup can tell it is its own)."""
    return hmac.new(secret, b"ipcamd backup signing key v1", hashlib.sha256).digest()


def _signature(key: bytes, manifest: bytes) -> bytes:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest().encode() + b"\n"


def backup_filename(identity: Identity) -> str:
    """``backup_<MAC>.tar`` with the MAC's 12 hex digits (a valid header token on any OS)."""
    return f"backup_{identity.serial_number}.tar"


# ---------------------------------------------------------------------- making a backup


def _dump(
    conn: sqlite3.Connection, schema: Schema, tables: list[ConfigTable], accounts: bool
) -> dict[str, Any]:
    groups = dict(conn.execute("SELECT path, template FROM param_group").fetchall())
    stored = dict(conn.execute("SELECT name, value FROM param_value").fetchall())
    values = {n: stored.get(n, s.default) for n, s in schema.static.items() if not s.read_only}
    for path, template_name in groups.items():
        template = schema.templates.get(template_name)
        for spec in template.params if template is not None else ():
            full = f"{path}.{spec.name}"
            values[full] = stored.get(full, spec.default)
    dumped: dict[str, Any] = {PARAMS: {"groups": groups, "values": values}}
    if accounts:
        dumped[USERS] = [
            dict(zip((*_USER_FIELDS, "created"), row, strict=True))
            for row in conn.execute(
                "SELECT name, primary_group, groups, comment, scrypt, ha1_md5, ha1_sha256, created "
                "FROM user_account ORDER BY created, rowid"
            )
        ]
    for table in tables:
        rows = conn.execute(
            f"SELECT {', '.join(table.columns)} FROM {table.name} ORDER BY rowid"  # noqa: S608
        ).fetchall()
        dumped[f"tables/{table.name}.json"] = {
            "columns": list(table.columns),
            "rows": [list(r) for r in rows],
        }
    return dumped


def dump_step(
    schema: Schema, tables: ConfigTables, *, accounts: bool
) -> Callable[[sqlite3.Connection], dict[str, Any]]:
    """A database function returning the configuration in one read transaction; with the
    accounts (and their password hashes) only when ``accounts`` (a backup made by root)."""
    table_list = list(tables)

    def run(conn: sqlite3.Connection) -> dict[str, Any]:
        conn.execute("BEGIN")
        try:
            return _dump(conn, schema, table_list, accounts)
        finally:
            conn.execute("COMMIT")

    return run


def make_archive(
    identity: Identity, dumped: Mapping[str, Any], key: bytes, now: float | None = None
) -> bytes:
    """The backup tar: the manifest and its signature first, then the members it names with
    their SHA-256."""
    created = time.time() if now is None else now
    members = {
        name: json.dumps(content, indent=1, sort_keys=True).encode() + b"\n"
        for name, content in dumped.items()
    }
    manifest = {
        "format": FORMAT,
        "product": PRODUCT,
        "firmware": identity.firmware_version,
        "mac": identity.mac,
        "created": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "members": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode() + b"\n"
    return write_members(
        {MANIFEST: manifest_bytes, SIGNATURE: _signature(key, manifest_bytes), **members},
        int(created),
    )


# ---------------------------------------------------------------------- restoring


@dataclass
class RestorePlan:
    """A fully validated restore, ready to apply in one transaction."""

    same_unit: bool
    groups: dict[str, str]
    values: dict[str, str]
    keep: list[str]
    users: list[dict[str, Any]] | None
    tables: dict[str, tuple[ConfigTable, list[list[object]]]] = field(default_factory=dict)
    source_mac: str = ""
    #: Why the accounts stay as they are ("" when the archive's accounts are restored).
    accounts_kept: str = ""

    def apply(self, conn: sqlite3.Connection) -> None:
        """Replace the stored configuration (run inside a transaction)."""
        if self.keep:
            marks = ",".join("?" * len(self.keep))
            conn.execute(f"DELETE FROM param_value WHERE name NOT IN ({marks})", self.keep)  # noqa: S608
        else:
            conn.execute("DELETE FROM param_value")
        conn.execute("DELETE FROM param_group")
        conn.executemany(
            "INSERT INTO param_group(path, template) VALUES(?, ?)", list(self.groups.items())
        )
        conn.executemany(
            "INSERT INTO param_value(name, value) VALUES(?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
            [(n, v) for n, v in self.values.items() if n not in self.keep],
        )
        if self.users is not None:
            conn.execute("DELETE FROM user_account")
            conn.executemany(
                "INSERT INTO user_account(name, primary_group, groups, comment, scrypt, ha1_md5, "
                "ha1_sha256, created) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(u[k] for k in (*_USER_FIELDS, "created")) for u in self.users],
            )
        for table, rows in self.tables.values():
            conn.execute(f"DELETE FROM {table.name}")  # noqa: S608 - registered identifier
            marks = ",".join("?" * len(table.columns))
            conn.executemany(
                f"INSERT INTO {table.name}({', '.join(table.columns)}) VALUES({marks})",
                rows,
            )
        pause("restore.apply")  # inside the transaction: a crash here must leave the old state
        fail("restore.apply")  # and so must an I/O error, which the client must be told of


def _allowed(name: str) -> bool:
    return name in (MANIFEST, SIGNATURE, PARAMS, USERS) or _TABLE_MEMBER.fullmatch(name) is not None


def _json(name: str, data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidParameter(f"{name} is not valid JSON") from err


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidParameter(message)


def _check_manifest(members: dict[str, bytes]) -> dict[str, Any]:
    _expect(MANIFEST in members, "no manifest.json in the archive")
    manifest = _json(MANIFEST, members[MANIFEST])
    _expect(isinstance(manifest, dict), "manifest.json is not an object")
    _expect(manifest.get("format") == FORMAT, "unsupported backup format")
    _expect(manifest.get("product") == PRODUCT, "backup of another product")
    mac = manifest.get("mac")
    _expect(isinstance(mac, str) and _MAC.fullmatch(mac) is not None, "bad MAC in manifest.json")
    listed = manifest.get("members")
    _expect(isinstance(listed, dict), "manifest.json lists no members")
    present = set(members) - {MANIFEST, SIGNATURE}
    _expect(set(listed) == present, "the members do not match manifest.json")
    for name in sorted(present):
        digest = hashlib.sha256(members[name]).hexdigest()
        _expect(listed[name] == digest, f"checksum of {name} does not match")
    _expect(PARAMS in present, "no params.json in the archive")
    return dict(manifest)


def _signed(members: dict[str, bytes], key: bytes) -> bool:
    """True when ``manifest.hmac`` is this unit's signature of ``manifest.json``."""
    manifest, signature = members.get(MANIFEST), members.get(SIGNATURE)
    if manifest is None or signature is None:
        return False
    return hmac.compare_digest(signature, _signature(key, manifest))


def _check_params(schema: Schema, data: Any) -> tuple[dict[str, str], dict[str, str]]:
    _expect(isinstance(data, dict) and set(data) == {"groups", "values"}, "params.json malformed")
    groups, values = data["groups"], data["values"]
    _expect(isinstance(groups, dict) and isinstance(values, dict), "params.json malformed")
    _expect(len(groups) <= 100_000 and len(values) <= 1_000_000, "params.json too large")
    specs: dict[str, ParamSpec] = {n: s for n, s in schema.static.items() if not s.read_only}
    for path, template_name in groups.items():
        _expect(isinstance(template_name, str), f"bad template of group {path}")
        template = schema.templates.get(template_name)
        _expect(template is not None, f"unknown template {template_name!r}")
        assert template is not None
        _expect(schema.template_for_instance(path) is template, f"bad group name {path!r}")
        parts = split_instance(path)
        assert parts is not None
        enclosing = parts[0].rsplit(".", 1)[0] if "." in parts[0] else ""
        if split_instance(enclosing) is not None:
            _expect(enclosing in groups, f"group {path} lies in a missing group")
        specs.update((f"{path}.{t.name}", t) for t in template.params)
    checked: dict[str, str] = {}
    for name, raw in values.items():
        found = specs.get(name)
        if found is None:
            raise InvalidParameter(f"unknown or read-only parameter {name!r}")
        _expect(isinstance(raw, str), f"value of {name} is not a string")
        try:
            checked[name] = found.type.validate(raw)
        except InvalidParameter as err:
            raise InvalidParameter(f"bad value {raw!r} for {name}: {err}") from err
    for name, spec in specs.items():
        checked.setdefault(name, spec.default)
    for path, template_name in groups.items():
        # A group restored must pass its template's own check (a window with Top > Bottom…),
        # exactly as param.cgi's add and update would refuse it.
        dotted = path + "."
        group = {n[len(dotted) :]: v for n, v in checked.items() if n.startswith(dotted)}
        check_group(schema.templates[template_name], path, group)
    return dict(groups), checked


def _check_users(data: Any) -> list[dict[str, Any]]:
    _expect(isinstance(data, list) and 0 < len(data) <= 1000, "users.json malformed")
    users: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in data:
        _expect(isinstance(entry, dict), "users.json malformed")
        _expect(set(entry) == {*_USER_FIELDS, "created"}, "users.json has wrong fields")
        _expect(all(isinstance(entry[k], str) for k in _USER_FIELDS), "users.json malformed")
        _expect(type(entry["created"]) is int, "users.json malformed")
        try:
            validate_account(
                entry["name"], entry["primary_group"], entry["groups"], entry["comment"]
            )
        except InvalidParameter as err:
            raise InvalidParameter(f"bad account {entry['name']!r}: {err}") from err
        scrypt = _SCRYPT.fullmatch(entry["scrypt"])
        _expect(scrypt is not None, f"bad password hash of {entry['name']}")
        assert scrypt is not None
        n, r, p = (int(g) for g in scrypt.groups())
        # Bounded cost: a planted hash must not make each login eat memory or time.
        _expect(
            2 <= n <= 2**16 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4,
            f"password hash parameters of {entry['name']} out of range",
        )
        _expect(_HEX32.fullmatch(entry["ha1_md5"]) is not None, "bad digest hash")
        _expect(_HEX64.fullmatch(entry["ha1_sha256"]) is not None, "bad digest hash")
        # Unique whatever the case, as pwdgrp.cgi keeps them (``Joe`` beside ``joe`` is twice).
        _expect(entry["name"].casefold() not in seen, f"account {entry['name']} twice")
        seen.add(entry["name"].casefold())
        users.append(entry)
    _expect(ROOT_USER in seen, "users.json has no root account")
    return users


def _check_table(table: ConfigTable, data: Any) -> list[list[object]]:
    _expect(isinstance(data, dict) and set(data) == {"columns", "rows"}, f"{table.name} malformed")
    _expect(data["columns"] == list(table.columns), f"columns of {table.name} do not match")
    rows = data["rows"]
    _expect(isinstance(rows, list) and len(rows) <= table.max_rows, f"{table.name} malformed")
    for row in rows:
        _expect(isinstance(row, list) and len(row) == len(table.columns), f"{table.name} malformed")
        _expect(
            all(v is None or type(v) in (str, int, float) for v in row),
            f"{table.name} holds a value of the wrong type",
        )
        try:
            table.validate_row(dict(zip(table.columns, row, strict=True)))
        except InvalidParameter as err:
            raise InvalidParameter(f"bad row in {table.name}: {err}") from err
    return list(rows)


def parse_backup(
    data: Source,
    identity: Identity,
    schema: Schema,
    tables: ConfigTables,
    *,
    key: bytes,
    caller: AccessLevel,
    foreign: bool = False,
) -> RestorePlan:
    """Check everything in an uploaded backup; raise :class:`InvalidParameter` on any fault.

    ``key`` is this unit's :func:`backup_key`; ``caller`` decides whether accounts are restored
    (root only); ``foreign`` (root only, checked by the caller) accepts an archive this unit did
    not sign, restored as another unit's.
    """
    members = read_members(data, _allowed, max_member=MAX_MEMBER)
    signed = _signed(members, key)
    if not signed and not foreign:
        raise InvalidParameter(
            "the backup is not signed by this unit "
            "(root may restore another unit's backup with foreign=yes)"
        )
    manifest = _check_manifest(members)
    groups, values = _check_params(schema, _json(PARAMS, members[PARAMS]))
    users = _check_users(_json(USERS, members[USERS])) if USERS in members else None
    checked_tables: dict[str, tuple[ConfigTable, list[list[object]]]] = {}
    for name, content in members.items():
        match = _TABLE_MEMBER.fullmatch(name)
        if match is None:
            continue
        table = tables.get(match.group(1))
        _expect(table is not None, f"unknown table {match.group(1)!r}")
        assert table is not None
        checked_tables[table.name] = (table, _check_table(table, _json(name, content)))
    same_unit = signed and manifest["mac"] == identity.mac
    keep = [] if same_unit else [*kept_on_factory_default(schema), *UNIT_SPECIFIC]
    if not same_unit:
        kept = "another unit's backup"
    elif users is None:
        kept = "the backup holds none"
    elif caller < AccessLevel.ROOT:
        kept = "only root restores accounts"
    else:
        kept = ""
    return RestorePlan(
        same_unit=same_unit,
        groups=groups,
        values=values,
        keep=keep,
        users=None if kept else users,
        tables=checked_tables,
        source_mac=manifest["mac"],
        accounts_kept=kept,
    )
