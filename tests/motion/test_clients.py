"""Motion windows as a real VMS driver manages them (Nx Witness's Axis driver,
``axis_resource.cpp``): its exact requests, and its way of reading the listing back."""

from __future__ import annotations

from tests.support import Camera


def nx_windows(listing: str) -> dict[int, dict[str, str]]:
    """What the driver's readMotionInfo makes of ``param.cgi?action=list&group=Motion``: it
    splits lines at ``.``, takes the window number from the last-but-one part and the name and
    value from the last."""
    windows: dict[int, dict[str, str]] = {}
    for line in listing.split("\n"):
        parts = line.split(".")
        if len(parts) < 2:
            continue
        number = int(parts[-2][1:])
        name, _, value = parts[-1].partition("=")
        windows.setdefault(number, {})[name] = value
    return windows


async def test_nx_witness_adds_updates_lists_and_removes_windows(camera: Camera) -> None:
    added = await camera.get(
        "/axis-cgi/param.cgi?action=add&group=Motion&template=motion"
        "&Motion.M.WindowType=include&Motion.M.ImageSource=0"
    )
    assert added.text == "M0 OK\r\n"
    assert int(added.text.split(" ")[0][1:]) == 0  # data.split(' ')[0].mid(1)
    # updateMotionWindow: one request with group=Motion and every edge of the window.
    updated = await camera.get(
        "/axis-cgi/param.cgi?action=update&group=Motion&Motion.M0.Name=HDWitnessWindow0"
        "&Motion.M0.ImageSource=0&Motion.M0.WindowType=include&Motion.M0.Left=1111"
        "&Motion.M0.Right=4444&Motion.M0.Top=2222&Motion.M0.Bottom=3333&Motion.M0.Sensitivity=70"
    )
    assert updated.text == "OK\r\n"
    listing = await camera.get("/axis-cgi/param.cgi?action=list&group=Motion")
    window = nx_windows(listing.text)[0]
    assert (window["Left"], window["Right"], window["Top"], window["Bottom"]) == (
        "1111",
        "4444",
        "2222",
        "3333",
    )
    assert window["WindowType"] == "include"
    assert window["Name"] == "HDWitnessWindow0"
    assert (await camera.get("/axis-cgi/param.cgi?action=remove&group=Motion.M0")).text == "OK\r\n"


async def test_an_update_naming_a_group_changes_only_that_group(camera: Camera) -> None:
    await camera.get("/axis-cgi/param.cgi?action=add&group=Motion&template=motion")
    before = camera.device.params.snapshot()
    refused = await camera.get(
        "/axis-cgi/param.cgi?action=update&group=Motion&Motion.M0.Top=10&Image.MaxViewers=3"
    )
    assert refused.text == "# Error: Parameter 'Image.MaxViewers' is not in group 'Motion'\r\n"
    assert camera.device.params.snapshot() == before
    both = await camera.get(
        "/axis-cgi/param.cgi?action=update&group=root.Motion,Image&root.Motion.M0.Top=10"
        "&Image.MaxViewers=3"
    )
    assert both.text == "OK\r\n"
