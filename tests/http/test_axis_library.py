"""Home Assistant's ``axis`` library (v60) sets up against ipcamd unmodified, with Digest auth.

Also ZoneMinder's Basic-then-Digest habit and ``curl --digest``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from axis.device import AxisDevice
from axis.errors import Unauthorized
from axis.models.configuration import Configuration
from axis.models.parameters.param_cgi import ParameterGroup, params_to_dict
from axis.models.pwdgrp_cgi import SecondaryGroup

from ipcamd import __version__
from tests.conftest import CameraFactory
from tests.support import Camera, require_tool

pytestmark = pytest.mark.axislib


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as session:
        yield session


def axis_device(
    camera: Camera, client: httpx.AsyncClient, user: str = "root", password: str = "pass"
) -> AxisDevice:
    return AxisDevice(
        Configuration(
            client,
            "127.0.0.1",
            port=camera.server.port,
            username=user,
            password=password,
            web_proto="http",
        )
    )


async def test_device_initialisation_reads_identity(
    camera: Camera, client: httpx.AsyncClient
) -> None:
    await camera.add_user("joe", "foo", "axadmin:axoper:axview:axptz")
    device = axis_device(camera, client)
    vapix = device.vapix
    await vapix.initialize()
    await vapix.initialize_users()
    await vapix.load_user_groups()

    identity = camera.device.identity
    assert vapix.firmware_version == __version__
    assert vapix.serial_number == identity.serial_number
    assert not vapix.serial_number.isdigit()
    assert vapix.product_number == "IPCAMD-1"
    assert vapix.product_type == "Network Camera"
    brand = vapix.params.brand_handler["0"]
    assert brand.brand == "ipcamd"
    assert brand.product_full_name == "ipcamd Software Network Camera"
    assert brand.web_url == "http://ipcamd.local/"
    properties = vapix.params.property_handler["0"]
    assert properties.api_http_version == 3
    assert properties.image_format == "jpeg,mjpeg,h264"
    assert properties.ptz is False

    assert [(p.name, p.parameters) for p in vapix.streaming_profiles] == [
        ("Quality", "resolution=1280x1024&compression=20"),
        ("Balanced", "resolution=640x480&compression=30&fps=15"),
        ("Bandwidth", "resolution=320x240&compression=50&fps=10"),
        ("Mobile", "resolution=160x120&compression=60&fps=5"),
    ]
    assert sorted(vapix.users.keys()) == ["joe", "root"]
    joe = vapix.users["joe"]
    assert (joe.admin, joe.operator, joe.viewer, joe.ptz) == (True, True, True, True)
    assert vapix.access_rights is SecondaryGroup.ADMIN_PTZ

    # The parameter groups it loads were parsed: I/O ports (PTZ only when Properties.PTZ.PTZ=yes).
    assert not vapix.params.ptz_handler.initialized
    assert vapix.params.io_port_handler.initialized
    directions = [port.direction.value for port in vapix.params.io_port_handler.values()]
    assert directions == ["input", "input", "output", "output"]


async def test_listings_parse(camera: Camera, client: httpx.AsyncClient) -> None:
    """The library's parser takes our whole ``root.`` listings of the groups it models."""
    device = axis_device(camera, client)
    params = device.vapix.params
    for group in (
        ParameterGroup.BRAND,
        ParameterGroup.PROPERTIES,
        ParameterGroup.PTZ,
        ParameterGroup.IOPORT,
        ParameterGroup.STREAMPROFILE,
    ):
        assert str(group) in await params.request_group(group)
    for handler in (
        params.brand_handler,
        params.property_handler,
        params.io_port_handler,
        params.ptz_handler,
        params.stream_profile_handler,
    ):
        assert handler.initialized
    ptz = params.ptz_handler["0"]
    assert ptz.camera_default == 1
    assert ptz.number_of_cameras == 1
    assert len(params.stream_profile_handler["0"].stream_profiles) == 4


async def test_whole_tree_is_root_prefixed_and_parses(
    camera: Camera, client: httpx.AsyncClient
) -> None:
    """A listing of everything carries ``root.`` (the library drops other lines)."""
    device = axis_device(camera, client)
    raw = await device.vapix.request("post", "/axis-cgi/param.cgi", data={"action": "list"})
    tree = params_to_dict(raw.decode())
    assert list(tree) == ["root"]
    assert tree["root"]["Brand"]["ProdNbr"] == "IPCAMD-1"
    assert tree["root"]["Properties"]["System"]["SerialNumber"] == (
        camera.device.identity.serial_number
    )
    assert set(tree["root"]) >= {"Brand", "Properties", "Network", "Image", "PTZ", "IOPort"}


async def test_full_preload_reads_the_image_settings(
    camera_factory: CameraFactory, client: httpx.AsyncClient
) -> None:
    """The optional full preload decodes every group, Image too, which reads the newer
    firmware's ``Appearance`` and ``Stream`` names (served as aliases of our settings)."""
    camera: Camera = await camera_factory(cameras=2)
    query = (
        "Image.I0.Resolution=320x240&Image.I0.Compression=55&Image.I0.FPS=12"
        "&Image.I1.Appearance.Rotation=180&Image.I1.Appearance.MirrorEnabled=yes&Image.I1.Name=Gate"
    )
    assert (await camera.get(f"/axis-cgi/param.cgi?action=update&{query}")).text == "OK\r\n"
    device = axis_device(camera, client)
    await device.vapix.initialize_param_cgi(preload_data=True)
    params = device.vapix.params
    for handler in (
        params.brand_handler,
        params.property_handler,
        params.image_handler,
        params.io_port_handler,
        params.ptz_handler,
        params.stream_profile_handler,
    ):
        assert handler.initialized
    assert device.vapix.serial_number == camera.device.identity.serial_number
    images = params.image_handler
    assert sorted(images.keys()) == ["0", "1"]
    first, second = images["0"], images["1"]
    assert (first.name, first.enabled) == ("Camera 1", True)
    assert first.appearance == {
        "Resolution": "320x240",
        "Compression": 55,
        "Rotation": 0,
        "MirrorEnabled": False,
    }
    assert first.stream == {"FPS": 12}
    assert second.name == "Gate"
    assert (second.appearance["Rotation"], second.appearance["MirrorEnabled"]) == (180, True)
    # A later full refresh sees a change made through either name.
    update = "/axis-cgi/param.cgi?action=update&Image.I0.Appearance.Resolution=160x120"
    assert (await camera.get(update)).text == "OK\r\n"
    await params.update()
    assert params.image_handler["0"].appearance["Resolution"] == "160x120"
    assert camera.device.params.get("Image.I0.Resolution") == "160x120"


async def test_admin_account_initialises(camera: Camera, client: httpx.AsyncClient) -> None:
    await camera.add_user("ada", "a1", "axadmin:axoper:axview")
    device = axis_device(camera, client, "ada", "a1")
    await device.vapix.initialize()
    await device.vapix.initialize_users()
    await device.vapix.load_user_groups()
    assert device.vapix.serial_number == camera.device.identity.serial_number
    assert device.vapix.access_rights is SecondaryGroup.ADMIN


async def test_viewer_account_initialises_but_cannot_read_users(
    camera: Camera, client: httpx.AsyncClient
) -> None:
    await camera.add_user("vic", "v1", "axview")
    device = axis_device(camera, client, "vic", "v1")
    await device.vapix.initialize()
    assert device.vapix.serial_number == camera.device.identity.serial_number
    assert await device.vapix.users.update() is False  # 401: "probably a viewer account"
    assert len(device.vapix.users) == 0
    await device.vapix.load_user_groups()  # falls back on usergroup.cgi
    assert device.vapix.access_rights is SecondaryGroup.VIEWER


async def test_wrong_password_is_unauthorized(camera: Camera, client: httpx.AsyncClient) -> None:
    device = axis_device(camera, client, "root", "wrong")
    await device.vapix.initialize()  # the library swallows 401 per API...
    assert not device.vapix.params.property_handler.initialized
    assert device.vapix.serial_number == ""
    with pytest.raises(Unauthorized):  # ...and a direct request sees it
        await device.vapix.request("post", "/axis-cgi/param.cgi", data={"action": "list"})


async def test_apidiscovery_is_a_404_for_every_method(camera: Camera) -> None:
    for method in ("GET", "POST"):
        for prefix in ("/axis-cgi/", "/"):
            reply = await camera.request(method, f"{prefix}apidiscovery.cgi", data=b"{}")
            assert reply.status == 404
            assert reply.headers["Content-Type"] == "text/plain"


async def test_zoneminder_basic_then_digest(camera: Camera) -> None:
    """ZoneMinder sends Basic first and answers one Digest challenge if Basic is refused."""
    path = "/axis-cgi/param.cgi?action=list&group=Properties.PTZ.PTZ"
    async with httpx.AsyncClient(base_url=camera.url) as session:
        basic = await session.get(path, auth=("root", "pass"))
        assert (basic.status_code, basic.content) == (200, b"Properties.PTZ.PTZ=no\n")
        assert basic.headers["Content-Type"] == "text/plain"
    reply = await camera.get("/param.cgi?action=update&Network.HTTP.AuthenticationPolicy=digest")
    assert reply.body == b"OK\r\n"
    async with httpx.AsyncClient(base_url=camera.url) as session:
        refused = await session.get(path, auth=("root", "pass"))
        assert refused.status_code == 401
        assert all(v.startswith("Digest ") for v in refused.headers.get_list("WWW-Authenticate"))
        digest = await session.get(path, auth=httpx.DigestAuth("root", "pass"))
        assert (digest.status_code, digest.content) == (200, b"Properties.PTZ.PTZ=no\n")


@pytest.mark.parametrize("mode", ["--digest", "--basic", "--anyauth"])
async def test_curl(camera: Camera, mode: str) -> None:
    process = await asyncio.create_subprocess_exec(
        require_tool("curl"),
        "-sS",
        mode,
        "-u",
        "root:pass",
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        f"{camera.url}/axis-cgi/param.cgi?action=list&group=root.Brand.ProdNbr",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err
    assert out == b"root.Brand.ProdNbr=IPCAMD-1\n\n200"
