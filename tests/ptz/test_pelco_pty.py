"""The Pelco-D driver against a pseudo-terminal: every frame ipcamd writes, byte for byte."""

from __future__ import annotations

from ipcamd.events import PTZMoved
from tests.conftest import CameraFactory
from tests.ptz.dome import Dome, f
from tests.support import Camera

PTZ = "/axis-cgi/com/ptz.cgi"
CONFIG = "/axis-cgi/com/ptzconfig.cgi"
STOP = f(1, 0, 0, 0, 0)
QUERY_PAN = f(1, 0, 0x51, 0, 0)


async def pelco_camera(factory: CameraFactory, dome: Dome, options: str = "") -> Camera:
    camera: Camera = await factory(ptz={1: f"pelco-d:{dome.path},address=1,baud=9600{options}"})
    return camera


async def ok(camera: Camera, query: str, path: str = PTZ) -> None:
    reply = await camera.get(f"{path}?{query}")
    assert (reply.status, reply.body) == (204, b""), (query, reply.status, reply.body)


async def test_absolute_move_sends_set_positions(camera_factory: CameraFactory, dome: Dome) -> None:
    camera = await pelco_camera(camera_factory, dome)
    await ok(camera, "pan=90&tilt=-45&zoom=9999")
    # Set Pan 9000 (0x2328), Set Tilt 4500 below the horizon (0x1194), Set Zoom 65535.
    assert await dome.read(3) == [
        f(1, 0, 0x4B, 0x23, 0x28),
        f(1, 0, 0x4D, 0x11, 0x94),
        f(1, 0, 0x4F, 0xFF, 0xFF),
    ]
    assert bytes.fromhex("ff01004b232897") == f(1, 0, 0x4B, 0x23, 0x28)
    await ok(camera, "rpan=-100&rtilt=50")
    # 90 - 100 = -10 degrees = 35000 hundredths; tilt -45 + 50 = 5 up = 36000 - 500.
    assert await dome.read(3) == [
        f(1, 0, 0x4B, 0x88, 0xB8),
        f(1, 0, 0x4D, 0x8A, 0xAC),
        f(1, 0, 0x4F, 0xFF, 0xFF),
    ]
    reply = await camera.get(f"{PTZ}?query=position")
    assert reply.text.startswith("pan=-10.0000\r\ntilt=5.0000\r\nzoom=9999\r\n")
    assert await dome.read(1) == [QUERY_PAN]  # asked once; a silent dome is not asked again


async def test_continuous_moves_and_stop(camera_factory: CameraFactory, dome: Dome) -> None:
    camera = await pelco_camera(camera_factory, dome)
    await ok(camera, "continuouspantiltmove=100,-50")
    # Pan right at 0x3F, tilt down at 0x20.
    assert await dome.read(1) == [f(1, 0, 0x12, 0x3F, 0x20)]
    await ok(camera, "continuouszoommove=-100")
    # Zoom speed 3 first, then the whole motion: pan right, tilt down, zoom wide.
    assert await dome.read(2) == [f(1, 0, 0x25, 0, 3), f(1, 0, 0x52, 0x3F, 0x20)]
    await ok(camera, "continuouspantiltmove=0,0")
    assert await dome.read(1) == [f(1, 0, 0x40, 0, 0)]  # zoom wide still runs
    await ok(camera, "continuouszoommove=0")
    assert await dome.read(2) == [STOP, QUERY_PAN]
    state = camera.device.bus.state(PTZMoved)
    assert len(state) == 1
    assert not state[0].moving


async def test_continuous_move_stops_by_itself(camera_factory: CameraFactory, dome: Dome) -> None:
    camera = await pelco_camera(camera_factory, dome, ",timeout=0.2")
    await ok(camera, "continuouspantiltmove=-10,10")
    assert await dome.read(1) == [f(1, 0, 0x0C, 0x06, 0x06)]
    assert await dome.read(2) == [STOP, QUERY_PAN]  # the safety stop


async def test_focus_iris_and_their_automatics(camera_factory: CameraFactory, dome: Dome) -> None:
    camera = await pelco_camera(camera_factory, dome)
    await ok(camera, "continuousfocusmove=50")  # positive: focus near (spec 5.3.3)
    assert await dome.read(1) == [f(1, 0x01, 0, 0, 0)]
    await ok(camera, "continuousfocusmove=-50")
    assert await dome.read(1) == [f(1, 0, 0x80, 0, 0)]
    await ok(camera, "continuousfocusmove=0")
    assert await dome.read(1) == [STOP]
    await ok(camera, "continuousirismove=20")
    assert await dome.read(1) == [f(1, 0x02, 0, 0, 0)]
    await ok(camera, "continuousirismove=-20")
    assert await dome.read(1) == [f(1, 0x04, 0, 0, 0)]
    await ok(camera, "continuousirismove=0")
    assert await dome.read(1) == [STOP]
    await ok(camera, "rfocus=200")  # far for 200 steps, then stop
    assert await dome.read(2) == [f(1, 0, 0x80, 0, 0), STOP]
    await ok(camera, "riris=-200")
    assert await dome.read(2) == [f(1, 0x04, 0, 0, 0), STOP]
    await ok(camera, "autofocus=off")
    await ok(camera, "autoiris=on")
    assert await dome.read(2) == [f(1, 0, 0x2B, 0, 1), f(1, 0, 0x2D, 0, 0)]
    reply = await camera.get(f"{PTZ}?query=position")
    assert reply.text.endswith("autofocus=off\r\nautoiris=on\r\n")


async def test_presets_live_in_the_store_and_the_dome(
    camera_factory: CameraFactory, dome: Dome
) -> None:
    camera = await pelco_camera(camera_factory, dome)
    await ok(camera, "pan=30")
    await dome.read(3)
    await ok(camera, "setserverpresetname=Gate&home=yes", CONFIG)
    assert await dome.read(1) == [f(1, 0, 0x03, 0, 1)]  # Set Preset 1 in the dome too
    await ok(camera, "pan=-30")
    await dome.read(3)
    await ok(camera, "gotoserverpresetname=Gate")
    assert await dome.read(1) == [f(1, 0, 0x07, 0, 1)]  # Go To Preset 1
    reply = await camera.get(f"{PTZ}?query=position")
    assert reply.text.startswith("pan=30.0000\r\n")
    await dome.read(1)
    await ok(camera, "gotodevicepreset=34")
    assert await dome.read(1) == [f(1, 0, 0x07, 0, 34)]
    await ok(camera, "removeserverpresetname=Gate", CONFIG)
    assert await dome.read(1) == [f(1, 0, 0x05, 0, 1)]  # Clear Preset 1
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=PTZ.PresetPos")
    assert reply.text == ""


async def test_speed_autopan_and_osd_menu(camera_factory: CameraFactory, dome: Dome) -> None:
    camera = await pelco_camera(camera_factory, dome)
    await ok(camera, "speed=40")
    assert (await camera.get(f"{PTZ}?query=speed")).text == "speed=40\r\n"
    await ok(camera, "continuouspantiltmove=100,-50")  # scaled by the head speed: 40, 20
    assert await dome.read(1) == [f(1, 0, 0x12, 0x19, 0x0D)]
    await ok(camera, "continuouspantiltmove=0,0")
    assert await dome.read(2) == [STOP, QUERY_PAN]
    await ok(camera, "autopan=on")
    await ok(camera, "autopan=off")
    assert await dome.read(2) == [f(1, 0x90, 0, 0, 0), f(1, 0x10, 0, 0, 0)]
    await ok(camera, "osdmenu=open", CONFIG)
    assert await dome.read(1) == [f(1, 0, 0x07, 0, 95)]
    await ok(camera, "osdmenu=down", CONFIG)
    assert await dome.read(2) == [f(1, 0, 0x10, 0, 0x20), STOP]
    await ok(camera, "osdmenu=select", CONFIG)
    assert await dome.read(2) == [f(1, 0x02, 0, 0, 0), STOP]
    await ok(camera, "osdmenu=close", CONFIG)
    assert await dome.read(2) == [f(1, 0x04, 0, 0, 0), STOP]


async def test_rawdata_goes_out_as_given(camera_factory: CameraFactory, dome: Dome) -> None:
    camera = await pelco_camera(camera_factory, dome)
    await ok(camera, "rawdata=ff,01,00,08,00,20,29")
    await ok(camera, "rawdata=ff010010002031")  # run together
    await ok(camera, "rawdata=FF,1,0,4,3F,0,44,ff,01,00,00,00,00,01")  # two frames
    assert await dome.read(4) == [
        f(1, 0, 0x08, 0, 0x20),
        f(1, 0, 0x10, 0, 0x20),
        f(1, 0, 0x04, 0x3F, 0),
        STOP,
    ]
    for bad in (
        "ff,01,00,08,00,20,2a",  # wrong checksum
        "ff,01,00,08,00,20",  # not a whole frame
        "fe,01,00,08,00,20,29",  # no sync byte
        "ff,01,00,08,00,20,zz",  # not hex
        "ff,01,00,08,00,20,129",  # not a byte
        "",
    ):
        reply = await camera.get(f"{PTZ}?rawdata={bad}")
        assert reply.status == 400, (bad, reply)
        assert reply.text.startswith(("rawdata:", "Invalid rawdata")), reply.text
    reply = await camera.get(f"{PTZ}?query=limits")
    assert reply.status == 200
    assert dome.pending() == b""  # nothing of the refused ones reached the bus


async def test_a_missing_serial_device(camera_factory: CameraFactory) -> None:
    """The camera streams; PTZ says why it cannot move, and moves nothing."""
    camera: Camera = await camera_factory(ptz={1: "pelco-d:/dev/ttyIPCAMD-missing"})
    assert (await camera.get("/jpg/image.jpg")).status == 200
    for query in ("pan=10", "continuouspantiltmove=10,0", "query=position", "autofocus=on"):
        reply = await camera.get(f"{PTZ}?{query}")
        assert reply.status == 503, (query, reply)
        assert reply.text.startswith("PTZ head of camera 1 is unavailable: cannot open "), (
            reply.text
        )
        assert "/dev/ttyIPCAMD-missing" in reply.text
    reply = await camera.get(f"{PTZ}?info=1")
    assert reply.status == 200
    assert "continuouspantiltmove=[x-speed],[y-speed]\r\n" in reply.text
    log = await camera.get("/axis-cgi/systemlog.cgi")
    assert "cannot open /dev/ttyIPCAMD-missing" in log.text


async def test_a_device_that_goes_away(camera_factory: CameraFactory) -> None:
    head = Dome()
    camera = await pelco_camera(camera_factory, head)
    await ok(camera, "pan=10")
    assert len(await head.read(3)) == 3
    head.close()  # the adapter is unplugged
    reply = await camera.get(f"{PTZ}?pan=20")
    assert reply.status == 503  # the write fails
    reply = await camera.get(f"{PTZ}?pan=30")
    assert reply.status == 503
    assert reply.text.startswith("PTZ head of camera 1 is unavailable: ")
    assert (await camera.get("/jpg/image.jpg")).status == 200


async def test_a_dome_that_reports_its_position(camera_factory: CameraFactory) -> None:
    """Query Pan / Tilt / Zoom Position answered: the dome's word is the position."""
    head = Dome(answers={0x51: (0x59, 4500), 0x53: (0x5B, 35000), 0x55: (0x5D, 32768)})
    try:
        camera = await pelco_camera(camera_factory, head)
        reply = await camera.get(f"{PTZ}?query=position")
        assert reply.text.startswith("pan=45.0000\r\ntilt=10.0000\r\nzoom=5000\r\n")
        assert await head.read(3) == [QUERY_PAN, f(1, 0, 0x53, 0, 0), f(1, 0, 0x55, 0, 0)]
        await ok(camera, "continuouspantiltmove=50,0")
        await ok(camera, "continuouspantiltmove=0,0")
        assert await head.read(5) == [
            f(1, 0, 0x02, 0x20, 0),
            STOP,
            QUERY_PAN,
            f(1, 0, 0x53, 0, 0),
            f(1, 0, 0x55, 0, 0),
        ]
        state = camera.device.bus.state(PTZMoved)
        assert (state[0].pan, state[0].tilt, state[0].zoom, state[0].moving) == (
            45,
            10,
            5000,
            False,
        )
    finally:
        head.close()
