"""systemlog.cgi (5.1.10) end to end: what lands in the log, its format, persistence, isolation."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import aiohttp

from tests.conftest import CameraFactory
from tests.support import Camera

LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d "
    r"ipcamd-[0-9a-f]{6} ipcamd\[\d+\]: <(info|notice|warning|err|crit)> \S.*"
)


async def read_log(camera: Camera) -> list[str]:
    reply = await camera.get("/axis-cgi/systemlog.cgi")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.text.endswith("\n")
    lines = reply.text.split("\n")[:-1]
    for line in lines:
        assert LINE.fullmatch(line), line
    return lines


def messages(lines: list[str]) -> list[str]:
    return [line.split("> ", 1)[1] for line in lines]


async def test_boot_and_logins_are_logged(camera: Camera) -> None:
    assert (await camera.get("/axis-cgi/param.cgi?action=list", password="wrong")).status == 401
    for _ in range(3):
        assert (await camera.get("/axis-cgi/param.cgi?action=list&group=Brand")).status == 200
    lines = await read_log(camera)
    text = "\n".join(lines)
    serial = camera.device.identity.serial_number
    host = camera.device.params.get("Network.HostName")
    assert f" {host} ipcamd[" in lines[0]
    assert lines[0].endswith(f"<info> ipcamd 0.1.0 started (serial {serial})")
    assert "<warning> Failed login for 'root' from 127.0.0.1: wrong user name or password" in text
    assert messages(lines).count("Accepted login for root from 127.0.0.1") == 1


async def test_parameter_and_account_changes_name_who_made_them(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Resolution=320x240")
    assert reply.text == "OK\r\n"
    reply = await camera.get("/axis-cgi/param.cgi?action=add&group=Event&template=event")
    assert reply.text == "E0 OK\r\n"
    await camera.add_user("joe", "secret1", "axadmin:axoper:axview")
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=update&Image.I0.Compression=50", user="joe", password="secret1"
    )
    assert reply.text == "OK\r\n"
    found = messages(await read_log(camera))
    assert "Parameters updated by root: Image.I0.Resolution" in found
    assert "Parameter groups added by root: Event.E0" in found
    assert "Account joe: add by root" in found
    assert "Parameters updated by joe: Image.I0.Compression" in found
    assert "Accepted login for joe from 127.0.0.1" in found
    assert not any("Event.E0." in m for m in found)  # a new group is one line, not its values


async def test_any_ipcamd_module_reaches_the_log_at_info_and_above(camera: Camera) -> None:
    logger = logging.getLogger("ipcamd.system.firmware")
    logger.debug("debug lines stay out")
    logger.info("Upgrade step 2 of 5")
    logger.error("Upgrade failed: %s", "bad\nsignature")
    try:
        int("broken")
    except ValueError:
        logging.getLogger("ipcamd.http").exception("Unhandled error")
    logging.getLogger("aiohttp.server").error("not ours")
    lines = await read_log(camera)
    found = messages(lines)
    assert "Upgrade step 2 of 5" in found
    assert "Upgrade failed: bad signature" in found  # one line, always
    assert "Unhandled error (ValueError: invalid literal for int() with base 10: 'broken')" in found
    assert "debug lines stay out" not in found
    assert "not ours" not in found
    assert lines[found.index("Upgrade step 2 of 5")].endswith("<info> Upgrade step 2 of 5")
    assert (
        "<err> Upgrade failed: bad signature" in lines[found.index("Upgrade failed: bad signature")]
    )


async def test_lines_carry_the_device_clock(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/date.cgi?action=set&year=2005&month=4&day=3&timezone=GMT")
    assert reply.text == "OK\r\n"
    last = (await read_log(camera))[-1]
    assert last.startswith("2005-04-03T")
    assert "<info> Date and time set to 2005-04-03T" in last
    assert last.endswith(" by root")


async def test_the_log_survives_a_restart(camera_factory: CameraFactory, tmp_path: Path) -> None:
    data = tmp_path / "unit"
    first: Camera = await camera_factory(data_dir=data)
    logging.getLogger("ipcamd.test").warning("before the restart")
    await first.server.stop()
    second: Camera = await camera_factory(data_dir=data)
    found = messages(await read_log(second))
    marker = found.index("before the restart")
    assert "ipcamd stopping" in found[marker:]
    assert sum(m.startswith("ipcamd 0.1.0 started") for m in found) == 2


async def test_each_device_keeps_its_own_log(camera_factory: CameraFactory) -> None:
    first: Camera = await camera_factory()
    second: Camera = await camera_factory()
    reply = await second.get("/axis-cgi/param.cgi?action=update&Image.I0.Resolution=320x240")
    assert reply.text == "OK\r\n"
    assert "Parameters updated by root: Image.I0.Resolution" in messages(await read_log(second))
    assert not any("Image.I0.Resolution" in m for m in messages(await read_log(first)))


async def test_logins_from_another_address_are_logged_again(camera: Camera) -> None:
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        other = Camera(camera.server, session)
        assert (await other.get("/axis-cgi/param.cgi?action=list&group=Brand")).status == 200
        assert (await other.get("/axis-cgi/param.cgi?action=list&group=Brand")).status == 200
    found = messages(await read_log(camera))
    assert found.count("Accepted login for root from 127.0.0.1") == 1
    assert found.count("Accepted login for root from 127.0.0.2") == 1


async def test_requests_refused_by_the_ip_filter_are_logged_once(camera: Camera) -> None:
    reply = await camera.get("/ipfilter.cgi?action=add&ipaddress=127.0.0.1&enable=yes")
    assert reply.text == "OK\r\n"
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        other = Camera(camera.server, session)
        for _ in range(3):
            assert (await other.get("/axis-cgi/param.cgi")).status == 403
    found = messages(await read_log(camera))
    assert found.count("IP filter refused 127.0.0.2 (GET /axis-cgi/param.cgi)") == 1


async def test_the_ring_keeps_the_newest_lines(camera: Camera) -> None:
    camera.device.syslog.capacity = 5
    await read_log(camera)  # the login line comes first
    logger = logging.getLogger("ipcamd.test")
    for i in range(12):
        logger.info("line %d", i)
    await camera.device.syslog.async_flush()
    logger.info("line 12")
    assert messages(await read_log(camera)) == [f"line {i}" for i in range(8, 13)]
