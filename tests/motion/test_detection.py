"""Motion detection on a running unit: the scripted object makes levels and states on the bus.

Every wait is on a condition (a level seen, a state published, a consumer gone), bounded by
helpers.WAIT; nothing sleeps and then asserts.
"""

from __future__ import annotations

from ipcamd.events import MotionLevel, MotionState
from ipcamd.video.consumers import ConsumerKind
from tests.motion.helpers import (
    LOWER_AREA,
    OBJECT_AREA,
    QUIET_AREA,
    add_window,
    box,
    levels_until,
    moving_object,
    remove_window,
    scene,
    state_until,
    update,
)
from tests.support import Camera
from tests.video.streams import wait_until


async def test_levels_rise_where_the_object_moves_and_stay_at_zero_elsewhere(
    camera: Camera,
) -> None:
    await moving_object(camera)
    moving = await add_window(camera, **box(OBJECT_AREA), History=0)
    quiet = await add_window(camera, **box(QUIET_AREA))
    lower = await add_window(camera, **box(LOWER_AREA))
    log = await levels_until(camera, lambda log: len([x for x in log.of(moving) if x >= 20]) >= 3)
    assert max(log.of(quiet)) <= 2, log.of(quiet)
    assert max(log.of(lower)) <= 2, log.of(lower)
    # The object stops: with History 0 the window forgets it within a few pictures.
    await scene(camera, "object=still")
    await levels_until(camera, lambda log: log.of(moving)[-3:] == [0, 0, 0])


async def test_motion_inside_an_exclude_window_does_not_count(camera: Camera) -> None:
    await moving_object(camera)
    watched = await add_window(camera, Left=0, Top=0, Right=4999, Bottom=2500, History=0)
    await levels_until(camera, lambda log: any(x >= 10 for x in log.of(watched)))
    left, top, right, bottom = OBJECT_AREA
    await add_window(
        camera, Left=left, Top=top, Right=right + 100, Bottom=bottom + 100, WindowType="exclude"
    )
    # The picture in flight when the window was added may still count; the ones after not.
    log = await levels_until(camera, lambda log: len(log.of(watched)) >= 12)
    assert log.of(watched)[2:] == [0] * 10, log.of(watched)


async def test_a_window_without_motion_in_a_scrolling_pattern_is_not_quiet(camera: Camera) -> None:
    # Scrolling bars move through every window.
    await scene(camera, "pattern=scrolling")
    quiet = await add_window(camera, **box(QUIET_AREA))
    levels = await levels_until(camera, lambda log: any(x >= 20 for x in log.of(quiet)))
    assert max(levels.of(quiet)) >= 20


async def test_states_follow_the_threshold_with_hysteresis(camera: Camera) -> None:
    await scene(camera, "pattern=still")
    window = await add_window(camera, **box(OBJECT_AREA), History=0, Threshold=15)
    # A new window starts inactive (retained, so a late listener sees it too).
    await state_until(camera, window, active=False)
    assert camera.device.bus.state(MotionState) == [MotionState(1, window, active=False)]
    await moving_object(camera)
    await state_until(camera, window, active=True)
    await scene(camera, "object=off")
    await state_until(camera, window, active=False)
    levels = await levels_until(camera, lambda log: len(log.of(window)) >= 1)
    assert levels.of(window)[-1] <= 12  # the release level of threshold 15
    # Every level says the window's threshold.
    with camera.device.bus.subscribe(MotionLevel) as subscription:
        item = await subscription.get()
        assert isinstance(item, MotionLevel)
        assert item.threshold == 15


async def test_the_detector_runs_only_while_an_include_window_exists(camera: Camera) -> None:
    motion = camera.device.motion
    video = camera.device.video
    assert motion.analysed_cameras() == []
    exclude = await add_window(camera, WindowType="exclude")
    assert motion.analysed_cameras() == []  # an exclude window alone measures nothing
    assert video.consumers() == []
    window = await add_window(camera, **box(QUIET_AREA))
    await levels_until(camera, lambda log: len(log.of(window)) >= 2)
    [consumer] = video.consumers()
    assert (consumer.name, consumer.kind) == ("motion 1", ConsumerKind.INTERNAL)
    # Not a viewer: with room for one viewer, a viewer still gets in.
    await update(camera, "Image.MaxViewers=1")
    snapshot = await camera.get("/axis-cgi/jpg/image.cgi?resolution=160x120")
    assert snapshot.status == 200
    assert camera.device.video.hub.viewers == 0
    await remove_window(camera, window)
    await wait_until(lambda: video.consumers() == [] and motion.analysed_cameras() == [])
    # The removed window's state is forgotten (after an inactive one, if it was active).
    assert camera.device.bus.state(MotionState) == []
    await remove_window(camera, exclude)


async def test_a_window_moved_to_another_camera_follows_it(camera_factory: object) -> None:
    assert callable(camera_factory)
    camera: Camera = await camera_factory(cameras=2)
    await scene(camera, "pattern=still", camera_number=1)
    await scene(camera, "pattern=scrolling", camera_number=2)
    window = await add_window(camera, **box(QUIET_AREA))
    await levels_until(camera, lambda log: len(log.of(window)) >= 1)
    assert camera.device.motion.analysed_cameras() == [1]
    with camera.device.bus.subscribe(MotionLevel) as subscription:
        await update(camera, f"Motion.M{window}.ImageSource=1")
        while True:  # camera 2's bars scroll: its levels are not zero
            item = await subscription.get()
            if isinstance(item, MotionLevel) and item.camera == 2 and item.level > 0:
                break
    assert camera.device.motion.analysed_cameras() == [2]
    assert [s.camera for s in camera.device.bus.state(MotionState)] == [2]


async def test_a_switched_off_camera_pauses_its_detector(camera: Camera) -> None:
    window = await add_window(camera, **box(QUIET_AREA))
    await levels_until(camera, lambda log: len(log.of(window)) >= 1)
    await update(camera, "Image.I0.Enabled=no")
    await wait_until(lambda: camera.device.video.consumers() == [])
    assert camera.device.motion.analysed_cameras() == [1]  # waiting for the camera
    await update(camera, "Image.I0.Enabled=yes")
    await levels_until(camera, lambda log: len(log.of(window)) >= 2)
