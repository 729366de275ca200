"""Guard tours: presets visited in order with their dwell times, until tour=off or a manual
move (tiny dwell times; every wait is on an event, never on time)."""

from __future__ import annotations

from tests.conftest import CameraFactory
from tests.ptz.test_digital_cgi import PTZ, wait_for
from tests.support import Camera

PARAM = "/axis-cgi/param.cgi"


async def touring_camera(factory: CameraFactory) -> Camera:
    camera: Camera = await factory(ptz={1: "digital"})
    for number, pan in ((1, -10), (2, 10), (3, 0)):
        assert (await camera.get(f"{PTZ}?zoom=9999&pan={pan}")).status == 204
        assert (await camera.get(f"{PTZ}?setserverpresetno={number}")).status == 204
    reply = await camera.get(
        f"{PARAM}?action=add&group=GuardTour&template=guardtour&GuardTour.G.Name=Round"
    )
    assert reply.text == "G0 OK\r\n"
    for position, preset in ((2, 2), (1, 1)):  # listed out of order: Position decides
        reply = await camera.get(
            f"{PARAM}?action=add&group=GuardTour.G0.Tour&template=tour"
            f"&GuardTour.G0.Tour.T.PresetNbr={preset}&GuardTour.G0.Tour.T.Position={position}"
            "&GuardTour.G0.Tour.T.WaitTime=0"
        )
        assert reply.text.endswith(" OK\r\n"), reply.text
    assert (await camera.get(f"{PTZ}?pan=0")).status == 204
    return camera


async def test_a_tour_visits_its_presets_in_order_until_off(camera_factory: CameraFactory) -> None:
    camera = await touring_camera(camera_factory)
    assert (await camera.get(f"{PTZ}?tour=on&tournum=0")).status == 204
    assert camera.device.params.get("GuardTour.G0.Running") == "yes"
    await wait_for(camera, lambda e: e.pan == -10)
    await wait_for(camera, lambda e: e.pan == 10)
    await wait_for(camera, lambda e: e.pan == -10)  # and round again
    assert (await camera.get(f"{PTZ}?tour=off")).status == 204
    assert camera.device.params.get("GuardTour.G0.Running") == "no"
    assert camera.device.ptz.tours.running(1) == []


async def test_a_manual_move_stops_the_tour(camera_factory: CameraFactory) -> None:
    camera = await touring_camera(camera_factory)
    assert (await camera.get(f"{PTZ}?tour=on&tournum=0")).status == 204
    await wait_for(camera, lambda e: e.pan == 10)
    assert (await camera.get(f"{PTZ}?gotoserverpresetno=3")).status == 204
    assert camera.device.ptz.tours.running(1) == []
    assert camera.device.params.get("GuardTour.G0.Running") == "no"
    assert (await camera.get(f"{PTZ}?query=position")).text.startswith("pan=0.0000\r\n")


async def test_one_tour_at_a_time_per_camera(camera_factory: CameraFactory) -> None:
    camera = await touring_camera(camera_factory)
    reply = await camera.get(
        f"{PARAM}?action=add&group=GuardTour&template=guardtour&GuardTour.G.Name=Other"
    )
    assert reply.text == "G1 OK\r\n"
    assert (await camera.get(f"{PTZ}?tour=on&tournum=0")).status == 204
    assert (await camera.get(f"{PTZ}?tour=on&tournum=1")).status == 204
    assert camera.device.params.get("GuardTour.G0.Running") == "no"
    assert camera.device.params.get("GuardTour.G1.Running") == "yes"
    assert camera.device.ptz.tours.running(1) == ["GuardTour.G1"]


async def test_running_through_param_cgi_and_bad_tours(camera_factory: CameraFactory) -> None:
    camera = await touring_camera(camera_factory)
    reply = await camera.get(f"{PARAM}?action=update&GuardTour.G0.Running=yes")
    assert reply.text == "OK\r\n"
    await wait_for(camera, lambda e: e.pan == 10)
    reply = await camera.get(f"{PARAM}?action=update&GuardTour.G0.Running=no")
    assert reply.text == "OK\r\n"
    assert camera.device.ptz.tours.running(1) == []
    for query in ("tour=on&tournum=5", "tour=on", "tournum=0", "tour=maybe&tournum=0"):
        assert (await camera.get(f"{PTZ}?{query}")).status in (400, 404), query
    assert camera.device.params.get("GuardTour.G0.Running") == "no"
