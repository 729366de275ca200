"""User accounts and groups (``pwdgrp.cgi``), stored in the device database.

The spec's group names are ``axadmin``, ``axoper``, ``axview`` (and ``axptz``); newer firmware and
the ``axis`` library say ``admin``, ``operator``, ``viewer``, ``ptz``. Both are accepted and stored
in the first form. ``root`` always exists, has every right and cannot be removed.

Names are unique whatever their case (``Joe`` cannot join ``joe``) and ``root`` in any other
spelling is reserved, so no account can pass for root in a listing or a log. An account keeps
the exact spelling it was created with; logins and ``update``/``remove`` name it exactly.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from ipcamd.access import AccessLevel
from ipcamd.auth.passwords import PasswordHashes, hash_password, verify_password
from ipcamd.db import Database
from ipcamd.errors import AccessDenied, Conflict, InvalidParameter, NotFound

_LOGGER = logging.getLogger(__name__)

ROOT_USER = "root"
_NAME = re.compile(r"[A-Za-z0-9]{1,14}")
_PASSWORD = re.compile(r"[A-Za-z0-9]{1,64}")
_COMMENT = re.compile(r"[A-Za-z0-9 _.,@()-]{0,64}")
PRIMARY_GROUPS = ("axuser", "users")


class Group(StrEnum):
    """Secondary groups: each grants an access level (or PTZ control)."""

    ADMIN = "axadmin"
    OPERATOR = "axoper"
    VIEWER = "axview"
    PTZ = "axptz"


_GROUP_ALIASES: Final[Mapping[str, Group]] = MappingProxyType(
    {
        "axadmin": Group.ADMIN,
        "admin": Group.ADMIN,
        "axoper": Group.OPERATOR,
        "operator": Group.OPERATOR,
        "axview": Group.VIEWER,
        "viewer": Group.VIEWER,
        "axptz": Group.PTZ,
        "ptz": Group.PTZ,
    }
)
_GROUP_LEVEL: Final[Mapping[Group, AccessLevel]] = MappingProxyType(
    {
        Group.ADMIN: AccessLevel.ADMIN,
        Group.OPERATOR: AccessLevel.OPERATOR,
        Group.VIEWER: AccessLevel.VIEWER,
        Group.PTZ: AccessLevel.ANONYMOUS,
    }
)


@dataclass(frozen=True)
class User:
    """An account as the rest of the device sees it (no secrets)."""

    name: str
    primary_group: str
    groups: tuple[Group, ...]
    comment: str

    @property
    def level(self) -> AccessLevel:
        """The highest access level the account's groups grant."""
        if self.name == ROOT_USER:
            return AccessLevel.ROOT
        return max((_GROUP_LEVEL[g] for g in self.groups), default=AccessLevel.ANONYMOUS)

    @property
    def ptz(self) -> bool:
        """True when the account may control PTZ."""
        return self.name == ROOT_USER or Group.PTZ in self.groups


@dataclass(frozen=True)
class _Account:
    user: User
    hashes: PasswordHashes


def validate_name(name: str) -> str:
    """User names: 1-14 letters and digits (spec 5.1.2)."""
    if not _NAME.fullmatch(name):
        raise InvalidParameter("user name must be 1-14 characters a-z, A-Z, 0-9")
    return name


def reserved(name: str) -> bool:
    """True for ``root`` spelt in any other case (``Root``, ``ROOT``): never an account's name."""
    return name != ROOT_USER and name.casefold() == ROOT_USER


def _refuse_reserved(name: str) -> None:
    if reserved(name):
        raise InvalidParameter(f"user name '{name}' is reserved")


def validate_password(password: str) -> str:
    """Passwords: 1-64 letters and digits (spec 5.1.2)."""
    if not _PASSWORD.fullmatch(password):
        raise InvalidParameter("password must be 1-64 characters a-z, A-Z, 0-9")
    return password


def parse_groups(sgrp: str) -> tuple[Group, ...]:
    """``axadmin:axoper:axview`` (or comma separated) → groups, in canonical order."""
    found: set[Group] = set()
    for item in re.split(r"[:,]", sgrp):
        if item == "":
            continue
        group = _GROUP_ALIASES.get(item)
        if group is None:
            raise InvalidParameter(f"unknown group '{item}'")
        found.add(group)
    return tuple(g for g in Group if g in found)


class UserStore:
    """The accounts of the unit. Reads from memory; writes go through SQLite first."""

    def __init__(self, db: Database, realm: str) -> None:
        self._db = db
        self.realm = realm
        self._accounts: dict[str, _Account] = {}
        self._lock = asyncio.Lock()
        for row in db.call(
            lambda c: c.execute(
                "SELECT name, primary_group, groups, comment, scrypt, ha1_md5, ha1_sha256 "
                "FROM user_account ORDER BY created, rowid"
            ).fetchall()
        ):
            name, primary, groups, comment, scrypt, md5, sha256 = row
            user = User(name, primary, parse_groups(groups), comment)
            self._accounts[name] = _Account(user, PasswordHashes(scrypt, md5, sha256))
        for name in self._accounts:
            twin = self._same_name(name)
            if twin is not None and twin != name:
                # Made before names were unique whatever their case; root may remove one.
                _LOGGER.warning("Accounts %r and %r differ only by case", twin, name)

    # ---------------------------------------------------------------- queries

    def get(self, name: str) -> User | None:
        """The account called ``name`` (case-sensitive), if any."""
        account = self._accounts.get(name)
        return None if account is None else account.user

    def _same_name(self, name: str) -> str | None:
        """The first account whose name equals ``name`` ignoring case, if any."""
        folded = name.casefold()
        return next((n for n in self._accounts if n.casefold() == folded), None)

    def all(self) -> list[User]:
        """Every account, root first, then in creation order."""
        return [a.user for a in self._accounts.values()]

    def ha1(self, name: str, algorithm: str) -> str | None:
        """The stored ``H(user:realm:password)`` for Digest ``algorithm`` (MD5 or SHA-256)."""
        account = self._accounts.get(name)
        if account is None:
            return None
        return account.hashes.ha1_sha256 if algorithm == "SHA-256" else account.hashes.ha1_md5

    def password_hash(self, name: str) -> str | None:
        """The stored scrypt hash of ``name`` (None: no such account); it changes with every
        password change, so a cache keyed with it forgets old passwords at once."""
        account = self._accounts.get(name)
        return None if account is None else account.hashes.scrypt

    def check_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is right (slow: call it off the event loop)."""
        account = self._accounts.get(name)
        if account is None or not verify_password(account.hashes.scrypt, password):
            return None
        return account.user

    @property
    def has_root(self) -> bool:
        """False only on a unit that has never been started."""
        return ROOT_USER in self._accounts

    # ---------------------------------------------------------------- changes

    async def async_add(
        self, name: str, password: str, primary_group: str, sgrp: str, comment: str
    ) -> User:
        """Create an account (validates everything first)."""
        validate_name(name)
        _refuse_reserved(name)
        validate_password(password)
        user = User(
            name, _check_primary(primary_group), parse_groups(sgrp), _check_comment(comment)
        )
        async with self._lock:
            existing = self._same_name(name)
            if name in (existing, ROOT_USER):
                raise Conflict(f"user '{name}' already exists")
            if existing is not None:
                raise Conflict(f"user '{name}' already exists (as '{existing}')")
            hashes = await asyncio.to_thread(hash_password, name, self.realm, password)
            await self._db.async_call(self._db.transaction(lambda c: _insert(c, user, hashes)))
            self._accounts[name] = _Account(user, hashes)
        return user

    async def async_update(
        self,
        name: str,
        password: str | None,
        primary_group: str | None,
        sgrp: str | None,
        comment: str | None,
    ) -> User:
        """Change the given fields of an existing account."""
        validate_name(name)
        if password is not None:
            validate_password(password)
        async with self._lock:
            account = self._accounts.get(name)
            if account is None:
                _refuse_reserved(name)
                raise NotFound(f"user '{name}' does not exist")
            old = account.user
            if name == ROOT_USER and (primary_group is not None or sgrp is not None):
                raise AccessDenied("the groups of root cannot be changed")
            user = User(
                name,
                old.primary_group if primary_group is None else _check_primary(primary_group),
                old.groups if sgrp is None else parse_groups(sgrp),
                old.comment if comment is None else _check_comment(comment),
            )
            hashes = account.hashes
            if password is not None:
                hashes = await asyncio.to_thread(hash_password, name, self.realm, password)
            await self._db.async_call(self._db.transaction(lambda c: _update(c, user, hashes)))
            self._accounts[name] = _Account(user, hashes)
        return user

    async def async_remove(self, name: str) -> None:
        """Delete an account; root cannot be removed."""
        validate_name(name)
        if name == ROOT_USER:
            raise AccessDenied("root cannot be removed")
        async with self._lock:
            if name not in self._accounts:
                _refuse_reserved(name)
                raise NotFound(f"user '{name}' does not exist")
            await self._db.async_call(
                self._db.transaction(
                    lambda c: c.execute("DELETE FROM user_account WHERE name=?", (name,))
                )
            )
            del self._accounts[name]

    def set_root_password(self, password: str) -> None:
        """Create root, or set its password (start-up and command line; blocks)."""
        validate_password(password)
        hashes = hash_password(ROOT_USER, self.realm, password)
        root = User(ROOT_USER, "root", (Group.ADMIN, Group.OPERATOR, Group.VIEWER, Group.PTZ), "")
        self._db.call(self._db.transaction(lambda c: _upsert(c, root, hashes)))
        accounts = {ROOT_USER: _Account(root, hashes)}
        accounts.update((k, v) for k, v in self._accounts.items() if k != ROOT_USER)
        self._accounts = accounts


def _check_primary(group: str) -> str:
    if group not in PRIMARY_GROUPS:
        raise InvalidParameter(f"unknown primary group '{group}' (expected axuser or users)")
    return group


def _check_comment(comment: str) -> str:
    if not _COMMENT.fullmatch(comment):
        raise InvalidParameter("comment must be at most 64 letters, digits, spaces or _.,@()-")
    return comment


def _account_columns(user: User, hashes: PasswordHashes) -> tuple[object, ...]:
    """What an add and an update both write, in the column order of their statements."""
    return (
        user.primary_group,
        ":".join(user.groups),
        user.comment,
        hashes.scrypt,
        hashes.ha1_md5,
        hashes.ha1_sha256,
    )


def _insert(conn: sqlite3.Connection, user: User, hashes: PasswordHashes) -> None:
    conn.execute(
        "INSERT INTO user_account(name, primary_group, groups, comment, scrypt, ha1_md5, "
        "ha1_sha256, created) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
        (user.name, *_account_columns(user, hashes), time.time_ns()),
    )


def _update(conn: sqlite3.Connection, user: User, hashes: PasswordHashes) -> None:
    conn.execute(
        "UPDATE user_account SET primary_group=?, groups=?, comment=?, scrypt=?, ha1_md5=?, "
        "ha1_sha256=? WHERE name=?",
        (*_account_columns(user, hashes), user.name),
    )


def _upsert(conn: sqlite3.Connection, user: User, hashes: PasswordHashes) -> None:
    if conn.execute("SELECT 1 FROM user_account WHERE name=?", (user.name,)).fetchone():
        _update(conn, user, hashes)
    else:
        _insert(conn, user, hashes)
        conn.execute("UPDATE user_account SET created=0 WHERE name=?", (user.name,))


def validate_account(name: str, primary_group: str, sgrp: str, comment: str) -> User:
    """Check the stored fields of an account (a restored backup) by pwdgrp.cgi's rules."""
    validate_name(name)
    _refuse_reserved(name)
    if not (name == ROOT_USER and primary_group == "root"):
        _check_primary(primary_group)
    return User(name, primary_group, parse_groups(sgrp), _check_comment(comment))
