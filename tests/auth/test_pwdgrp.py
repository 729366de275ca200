"""pwdgrp.cgi (spec 5.1.2) and usergroup.cgi: every example, bad input, who may call."""

from __future__ import annotations

import pytest

from tests.support import Camera, Reply, assert_text
from tests.transport import Transport, call, variant_id, variants

EVERY_WAY = pytest.mark.parametrize(("transport", "prefix"), variants(), ids=variant_id)
JOE = "action=add&user=joe&pwd=foo&grp=axuser&sgrp=axadmin:axoper:axview&comment=Joe"


async def pwdgrp(
    camera: Camera,
    query: str,
    transport: Transport = Transport.GET,
    prefix: str = "/axis-cgi/",
    **kwargs: object,
) -> Reply:
    return await call(camera, "pwdgrp.cgi", query, transport, prefix, **kwargs)


async def login(camera: Camera, user: str, password: str) -> int:
    reply = await camera.get(
        "/param.cgi?action=list&group=Brand.Brand", user=user, password=password
    )
    return reply.status


@EVERY_WAY
async def test_spec_examples(camera: Camera, transport: Transport, prefix: str) -> None:
    assert_text(await pwdgrp(camera, JOE, transport, prefix), "Created account joe.\r\n")
    assert await login(camera, "joe", "foo") == 200
    assert_text(
        await pwdgrp(camera, "action=get", transport, prefix),
        'admin="root,joe"\r\noperator="root,joe"\r\nviewer="root,joe"\r\nptz="root"\r\n'
        'digusers="root,joe"\r\n',
    )
    assert_text(
        await pwdgrp(camera, "action=update&user=joe&pwd=bar", transport, prefix),
        "Modified account joe.\r\n",
    )
    assert await login(camera, "joe", "foo") == 401
    assert await login(camera, "joe", "bar") == 200
    assert_text(
        await pwdgrp(camera, "action=remove&user=joe", transport, prefix),
        "Removed account joe.\r\n",
    )
    assert await login(camera, "joe", "bar") == 401
    assert_text(
        await pwdgrp(camera, "action=get", transport, prefix),
        'admin="root"\r\noperator="root"\r\nviewer="root"\r\nptz="root"\r\ndigusers="root"\r\n',
    )


async def test_groups_decide_levels(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    await camera.add_user("oli", "o1", "axoper:axview:axptz")
    await camera.add_user("ada", "a1", "admin:operator:viewer")  # newer firmware's names
    assert_text(
        await pwdgrp(camera, "action=get"),
        'admin="root,ada"\r\noperator="root,oli,ada"\r\nviewer="root,vic,oli,ada"\r\n'
        'ptz="root,oli"\r\ndigusers="root,vic,oli,ada"\r\n',
    )
    users = camera.device.users
    assert [u.level.label for u in users.all()] == ["root", "viewer", "operator", "admin"]


async def test_update_groups_and_comment(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    reply = await pwdgrp(camera, "action=update&user=vic&sgrp=axoper:axview&comment=Night%20shift")
    assert_text(reply, "Modified account vic.\r\n")
    user = camera.device.users.get("vic")
    assert user is not None
    assert user.level.label == "operator"
    assert user.comment == "Night shift"
    assert await login(camera, "vic", "v1") == 200  # password unchanged


async def test_usergroup_cgi(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    assert_text(
        await camera.get("/axis-cgi/usergroup.cgi"), "root\nroot admin operator viewer ptz\n"
    )
    assert_text(
        await camera.get("/axis-cgi/usergroup.cgi", user="vic", password="v1"),
        "vic\nusers viewer\n",
    )


async def test_users_survive_a_restart(camera_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = await camera_factory(data_dir=tmp_path / "unit")
    await first.add_user("vic", "v1", "axview")
    await first.session.close()
    await first.server.stop()
    second = await camera_factory(data_dir=tmp_path / "unit")
    assert await login(second, "vic", "v1") == 200
    assert await login(second, "vic", "v2") == 401


# ----------------------------------------------------------------------------- bad input


def accounts(camera: Camera) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [
        (u.name, u.primary_group, tuple(u.groups), u.comment) for u in camera.device.users.all()
    ]


BAD_REQUESTS = [
    ("action=add&user=jo%20e&pwd=foo", "user name must be 1-14 characters a-z, A-Z, 0-9"),
    ("action=add&user=jo%3Be&pwd=foo", "user name must be 1-14 characters a-z, A-Z, 0-9"),
    ("action=add&user=j%C3%B6e&pwd=foo", "user name must be 1-14 characters a-z, A-Z, 0-9"),
    ("action=add&user=abcdefghijklmno&pwd=foo", "user name must be 1-14 characters a-z, A-Z, 0-9"),
    ("action=add&user=joe&pwd=f%24(reboot)", "password must be 1-64 characters a-z, A-Z, 0-9"),
    ("action=add&user=joe&pwd=", "password must be 1-64 characters a-z, A-Z, 0-9"),
    ("action=add&user=joe", "No password specified"),
    ("action=add&pwd=foo", "No user specified"),
    ("action=add&user=joe&pwd=foo&sgrp=axgod", "unknown group 'axgod'"),
    (
        "action=add&user=joe&pwd=foo&grp=wheel",
        "unknown primary group 'wheel' (expected axuser or users)",
    ),
    (
        "action=add&user=joe&pwd=foo&comment=a%0ab",
        "comment must be at most 64 letters, digits, spaces or _.,@()-",
    ),
    ("action=add&user=joe&pwd=foo&shell=sh", "Unknown argument 'shell' for action add"),
    ("action=add&user=root&pwd=foo", "user 'root' already exists"),
    ("action=update&user=nobody&pwd=foo", "user 'nobody' does not exist"),
    ("action=update&user=vic", "Nothing to update (pwd, grp, sgrp or comment)"),
    ("action=update&user=root&sgrp=axview", "the groups of root cannot be changed"),
    ("action=remove&user=root", "root cannot be removed"),
    ("action=remove&user=nobody", "user 'nobody' does not exist"),
    ("action=delete&user=vic", "Unknown action 'delete' (add, update, remove or get)"),
    ("user=vic", "No action specified (add, update, remove or get)"),
    ("action=get&user=vic", "Unknown argument 'user' for action get"),
    ("action=add&user=vic&pwd=foo", "user 'vic' already exists"),
]


@pytest.mark.parametrize(("query", "message"), BAD_REQUESTS)
async def test_bad_requests_change_nothing(camera: Camera, query: str, message: str) -> None:
    await camera.add_user("vic", "v1", "axview")
    before = accounts(camera)
    reply = await pwdgrp(camera, query)
    assert_text(reply, f"# Error: {message}\r\n")
    assert accounts(camera) == before
    assert await login(camera, "vic", "v1") == 200


async def test_echoed_control_characters_never_split_the_reply(camera: Camera) -> None:
    reply = await pwdgrp(camera, "action=add&user=joe&pwd=foo&sgrp=axview%0d%0aadmin")
    assert_text(reply, "# Error: unknown group 'axview%0D%0Aadmin'\r\n")


async def test_duplicate_argument_is_400(camera: Camera) -> None:
    reply = await pwdgrp(camera, "action=add&user=joe&user=bob&pwd=foo")
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "text/plain"
    assert camera.device.users.get("joe") is None
    assert camera.device.users.get("bob") is None


# ----------------------------------------------------------------------------- who may call


async def test_admin_may_get_but_not_change(camera: Camera) -> None:
    await camera.add_user("ada", "a1", "axadmin:axoper:axview")
    reply = await pwdgrp(camera, "action=get", user="ada", password="a1")
    assert reply.status == 200
    assert reply.text.startswith('admin="root,ada"\r\n')
    for query in (
        "action=add&user=eve&pwd=e1&sgrp=axadmin",
        "action=update&user=root&pwd=hacked",
        "action=remove&user=ada",
    ):
        reply = await pwdgrp(camera, query, user="ada", password="a1")
        assert reply.status == 401
        assert reply.headers.getall("WWW-Authenticate")
    assert [u.name for u in camera.device.users.all()] == ["root", "ada"]
    assert await login(camera, "root", "pass") == 200


@pytest.mark.parametrize("sgrp", ["axoper:axview", "axview"])
async def test_operator_and_viewer_may_not_call_pwdgrp(camera: Camera, sgrp: str) -> None:
    await camera.add_user("low", "l1", sgrp)
    for query in ("action=get", "action=add&user=eve&pwd=e1&sgrp=axadmin"):
        for transport in Transport:
            reply = await pwdgrp(camera, query, transport, user="low", password="l1")
            assert reply.status == 401
    assert camera.device.users.get("eve") is None


async def test_anonymous_gets_401(camera: Camera) -> None:
    reply = await pwdgrp(camera, "action=get", user=None)
    assert reply.status == 401


# ----------------------------------------------------------------------------- names and case


@pytest.mark.parametrize("name", ["Root", "ROOT", "rOOt"])
async def test_root_in_any_case_is_reserved(camera: Camera, name: str) -> None:
    """Issue 9: ``add&user=Root`` made a second administrator beside root."""
    before = accounts(camera)
    reply = await pwdgrp(camera, f"action=add&user={name}&pwd=evil1&sgrp=axadmin:axoper:axview")
    assert_text(reply, f"# Error: user name '{name}' is reserved\r\n")
    for query in (f"action=update&user={name}&pwd=evil1", f"action=remove&user={name}"):
        assert_text(await pwdgrp(camera, query), f"# Error: user name '{name}' is reserved\r\n")
    assert accounts(camera) == before
    assert (await pwdgrp(camera, "action=get")).text.startswith('admin="root"\r\n')
    assert await login(camera, name, "evil1") == 401


async def test_names_are_unique_whatever_their_case(camera: Camera) -> None:
    await camera.add_user("joe", "j1", "axview")
    before = accounts(camera)
    for name in ("Joe", "JOE", "jOE"):
        reply = await pwdgrp(camera, f"action=add&user={name}&pwd=x1&sgrp=axadmin")
        assert_text(reply, f"# Error: user '{name}' already exists (as 'joe')\r\n")
    assert accounts(camera) == before
    # The account itself keeps its exact name: another spelling names nothing.
    assert_text(
        await pwdgrp(camera, "action=remove&user=Joe"), "# Error: user 'Joe' does not exist\r\n"
    )
    assert await login(camera, "Joe", "j1") == 401
    assert await login(camera, "joe", "j1") == 200
