"""Spec 5.1.2 replayed over a raw socket: add, update, remove and get of user accounts.

``tests/auth/test_pwdgrp.py`` covers the same examples through a client library and the bad
inputs; this module checks the bytes and the effect on logging in (Basic, raw).
"""

from __future__ import annotations

import pytest

from tests.spec.raw import (
    FORM,
    PREFIXES,
    TEXT_PLAIN,
    VERSIONS,
    RawReply,
    assert_text,
    cgi,
    exchange,
)
from tests.support import Camera


async def pwdgrp(
    camera: Camera, query: str, *, prefix: str = "/", version: str = "1.0", post: bool = False
) -> RawReply:
    """``pwdgrp.cgi`` with ``query`` as a GET, or as a form POST."""
    post_as = FORM if post else None
    return await cgi(
        camera.server.port, f"{prefix}pwdgrp.cgi", query, version=version, post_as=post_as
    )


async def can_log_in(camera: Camera, user: str, password: str) -> bool:
    reply = await exchange(
        camera.server.port, "/param.cgi?action=list&group=Brand.Brand", user=user, password=password
    )
    assert reply.status in (200, 401), reply.status_line
    return reply.status == 200


@pytest.mark.parametrize(
    ("prefix", "version", "post"),
    [(prefix, version, False) for prefix in PREFIXES for version in VERSIONS]
    + [("/axis-cgi/", "1.1", True), ("/", "1.0", True)],
)
async def test_the_four_examples(camera: Camera, prefix: str, version: str, post: bool) -> None:
    """Create an administrator, change its password, list groups and users, remove it."""
    created = await pwdgrp(
        camera,
        "action=add&user=joe&pwd=foo&grp=axuser&sgrp=axadmin:axoper:axview&comment=Joe",
        prefix=prefix,
        version=version,
        post=post,
    )
    assert_text(created, b"Created account joe.\r\n", version)
    assert await can_log_in(camera, "joe", "foo")
    # An administrator may call the administrator CGIs.
    admin_call = await exchange(
        camera.server.port, "/axis-cgi/admin/systemlog.cgi", user="joe", password="foo"
    )
    assert admin_call.status == 200

    updated = await pwdgrp(
        camera, "action=update&user=joe&pwd=bar", prefix=prefix, version=version, post=post
    )
    assert_text(updated, b"Modified account joe.\r\n", version)
    assert await can_log_in(camera, "joe", "bar")
    assert not await can_log_in(camera, "joe", "foo")

    listed = await pwdgrp(camera, "action=get", prefix=prefix, version=version, post=post)
    assert_text(
        listed,
        b'admin="root,joe"\r\noperator="root,joe"\r\nviewer="root,joe"\r\nptz="root"\r\n'
        b'digusers="root,joe"\r\n',
        version,
    )

    removed = await pwdgrp(
        camera, "action=remove&user=joe", prefix=prefix, version=version, post=post
    )
    assert_text(removed, b"Removed account joe.\r\n", version)
    assert not await can_log_in(camera, "joe", "bar")
    after = await pwdgrp(camera, "action=get", prefix=prefix, version=version)
    assert b"joe" not in after.body


@pytest.mark.parametrize(
    "query",
    [
        "action=add&user=jo-e&pwd=foo&grp=axuser&sgrp=axview",  # '-' is not a-z, A-Z, 0-9
        "action=add&user=joe&pwd=f%20o&grp=axuser&sgrp=axview",  # nor is a space
        "action=add&user=joe&pwd=foo&grp=nosuchgroup&sgrp=axview",  # not an existing group
        "action=add&user=joe&pwd=foo&grp=axuser&sgrp=axview:nosuch",
        "action=add&user=root&pwd=foo&grp=axuser&sgrp=axview",  # "a non-existing user name"
        "action=update&user=nobody&pwd=bar",  # "if the account exists"
        "action=remove&user=root",
        "action=frobnicate",
    ],
)
async def test_refused_requests_change_nothing(camera: Camera, query: str) -> None:
    before = await pwdgrp(camera, "action=get")
    reply = await pwdgrp(camera, query)
    assert reply.status_line in (b"HTTP/1.0 200 OK", b"HTTP/1.0 400 Bad Request")
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body.endswith(b"\n")
    assert reply.body.count(b"\n") == 1
    assert reply.body not in (b"OK\r\n", b"")
    assert (await pwdgrp(camera, "action=get")).body == before.body
    assert await can_log_in(camera, "root", "pass")


async def test_changes_require_root(camera: Camera) -> None:
    """ "This request requires root access": another administrator may not add accounts."""
    await camera.add_user("adm", "adm1", "admin:operator:viewer")
    reply = await exchange(
        camera.server.port,
        "/axis-cgi/pwdgrp.cgi?action=add&user=joe&pwd=foo&grp=axuser&sgrp=axview",
        user="adm",
        password="adm1",
    )
    assert reply.status == 401
    assert reply.headers("WWW-Authenticate")
    assert b"joe" not in (await pwdgrp(camera, "action=get")).body
