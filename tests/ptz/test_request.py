"""ptz.cgi's arguments as pure parsing: values typed and in the spec's ranges, or refused."""

from __future__ import annotations

import pytest

from ipcamd.errors import InvalidParameter, MalformedRequest
from ipcamd.ptz.driver import OsdCommand
from ipcamd.ptz.request import CONFIG_ARGUMENTS, PTZ_ARGUMENTS, PtzRequest, parse, parse_raw


def one(query: str, allowed: tuple[str, ...] = PTZ_ARGUMENTS) -> PtzRequest:
    pairs = [(name, value) for name, _, value in (item.partition("=") for item in query.split("&"))]
    return parse(pairs, allowed)


def test_values_are_typed() -> None:
    request = one("camera=2&pan=-12.5&tilt=+3&zoom=100&rzoom=-9999&continuouspantiltmove=-100,100")
    assert request.camera == 2
    assert (request.pan, request.tilt, request.zoom) == (-12.5, 3.0, 100)
    assert request.continuouspantiltmove == (-100, 100)
    assert request.given() == ["pan", "tilt", "zoom", "rzoom", "continuouspantiltmove"]
    assert one("osdmenu=back", CONFIG_ARGUMENTS).osdmenu is OsdCommand.BACK
    assert one("areazoom=1,2,300").areazoom == (1, 2, 300)
    assert one("vertical_reverse=0").vertical_reverse is False


@pytest.mark.parametrize(
    "query",
    [
        "pan=180.1",
        "pan=-180.0001",
        "rpan=361",
        "tilt=1e1",
        "tilt=inf",
        "zoom=1.5",
        "zoom=0",
        "rfocus=10000",
        "speed=0",
        "speed=101",
        "continuouszoommove=-101",
        "continuouspantiltmove=1,2,3",
        "center=1",
        "center=-1,5",
        "areazoom=1,2,0",
        "move=sideways",
        "move=UP",
        "autofocus=yes",
        "imagerotation=45",
        "query=everything",
        "info=2",
        "gotoserverpresetno=0",
        "gotoserverpresetname=",
        "gotodevicepreset=256",
        "camera=0",
        "tour=on",
        "tournum=1",
        "home=yes",
        "imagewidth=640",
        "center=1,1&areazoom=1,1,100",
        "query=position&pan=3",
        "info=1&query=limits",
        "nonsense=1",
        "osdmenu=open",
    ],
)
def test_refused(query: str) -> None:
    with pytest.raises(InvalidParameter):
        one(query)


def test_repeated_argument_is_malformed() -> None:
    with pytest.raises(MalformedRequest):
        one("pan=1&pan=2")


def test_raw_data() -> None:
    assert parse_raw("ff,1,0,8,0,20,29") == bytes.fromhex("ff010008002029")
    assert parse_raw("FF010008002029") == bytes.fromhex("ff010008002029")
    for bad in ("", "ff,,01", "fg", "ff,100", "ff 01"):
        with pytest.raises(InvalidParameter):
            parse_raw(bad)
