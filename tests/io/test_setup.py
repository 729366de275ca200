"""How many ports a unit has: ``--io-inputs``/``--io-outputs``, the TOML ``[io]`` section, and
what Properties, Input, Output and IOPort then list."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipcamd.cli import main
from ipcamd.config import build_config, load_toml
from ipcamd.errors import InvalidParameter
from ipcamd.io.backend import VirtualBackend
from ipcamd.io.ports import IOLayout
from ipcamd.io.setup import build_backend, io_layout
from tests.conftest import CameraFactory
from tests.support import Camera, assert_text


def test_two_inputs_and_two_outputs_by_default() -> None:
    config = build_config({}, {})
    assert io_layout(config) == IOLayout(2, 2)
    assert isinstance(build_backend(config), VirtualBackend)


def test_the_io_section_of_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "ipcamd.toml"
    path.write_text('[io]\nio_inputs = 4\nio_outputs = 1\nio_backend = "virtual"\n')
    assert io_layout(build_config(load_toml(path), {})) == IOLayout(4, 1)
    # Flags override the file.
    assert io_layout(build_config(load_toml(path), {"io_outputs": 0})) == IOLayout(4, 0)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"io_inputs": 17}, "inputs must be 0 to 16"),
        ({"io_outputs": -1}, "outputs must be 0 to 16"),
        ({"io_backend": "relay"}, "io_backend must be virtual or gpio"),
    ],
)
def test_bad_counts_and_backends_are_refused(values: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidParameter, match=reason):
        io_layout(build_config(values, {}))


def test_a_wrong_type_stops_the_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[io]\nio_inputs = "four"\n')
    assert main(["serve", "--config", str(path), "--data-dir", str(tmp_path)]) == 2
    assert "io_inputs" in capsys.readouterr().err


async def test_a_unit_with_four_inputs_and_one_output(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(io_inputs=4, io_outputs=1)
    reply = await camera.get("/param.cgi?action=list&group=Properties.IO,Input,Output")
    assert_text(
        reply,
        "Properties.IO.Input=4\nProperties.IO.Output=1\n"
        "Input.NbrOfInputs=4\nOutput.NbrOfOutputs=1\n",
    )
    reply = await camera.get("/param.cgi?action=list&group=IOPort.I4")
    assert_text(
        reply,
        "IOPort.I4.Configurable=no\nIOPort.I4.Direction=output\nIOPort.I4.Output.Name=Output 1\n"
        "IOPort.I4.Output.Active=closed\nIOPort.I4.Output.Button=none\n"
        "IOPort.I4.Output.PulseTime=0\n",
    )
    assert_text(
        await camera.get("/io/port.cgi?checkdirection=4,5"), "port4=input\r\nport5=output\r\n"
    )
    assert (await camera.get("/io/port.cgi?check=6")).status == 404


async def test_the_ports_listing_has_the_shapes_of_real_devices(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=root.IOPort.I0,root.IOPort.I2")
    assert_text(
        reply,
        "root.IOPort.I0.Configurable=no\nroot.IOPort.I0.Direction=input\n"
        "root.IOPort.I0.Input.Name=Input 1\nroot.IOPort.I0.Input.Trig=closed\n"
        "root.IOPort.I2.Configurable=no\nroot.IOPort.I2.Direction=output\n"
        "root.IOPort.I2.Output.Name=Output 1\nroot.IOPort.I2.Output.Active=closed\n"
        "root.IOPort.I2.Output.Button=none\nroot.IOPort.I2.Output.PulseTime=0\n",
    )


async def test_a_unit_without_outputs_refuses_actions(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(io_inputs=1, io_outputs=0)
    reply = await camera.get("/io/port.cgi?action=:/")
    assert reply.status == 404
    assert "has no outputs" in reply.text
