"""The import contracts of ``pyproject.toml`` (run by ``make test``) catch what they promise.

Each case copies the package into a temporary directory, adds one module that breaks a rule
(including in a family that does not exist yet), and runs ``lint-imports`` on the copy with the
project's own configuration: it must fail, naming the contract. The unmodified copy must pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = "Layers: cli > server > http > device > domain families > params > core"
AIOHTTP = "Only the HTTP front end and the server import aiohttp"


def _lint(tmp_path: Path, module: str | None = None, source: str = "") -> tuple[int, str]:
    """Run the contracts on a copy of the package with ``module`` (a path under ``ipcamd/``)
    added holding ``source``."""
    shutil.copytree(
        ROOT / "src" / "ipcamd", tmp_path / "src" / "ipcamd", ignore=shutil.ignore_patterns("*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if module is not None:
        path = tmp_path / "src" / "ipcamd" / module
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(source)
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_the_package_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    code, output = _lint(tmp_path)
    assert code == 0, output
    assert "0 broken" in output


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        # The domain never imports aiohttp, present families and future ones alike.
        ("video/leak.py", "import aiohttp\n", AIOHTTP),
        ("auth/leak.py", "from aiohttp import web\n", AIOHTTP),
        ("params/leak.py", "import aiohttp.web\n", AIOHTTP),
        ("ptz/__init__.py", "import aiohttp\n", AIOHTTP),
        ("events/bus.py", "import aiohttp\n", AIOHTTP),
        # ...nor the HTTP layer, the server or the composition root.
        ("motion/detector.py", "from ipcamd.http import replies\n", LAYERS),
        ("system/leak.py", "import ipcamd.server\n", LAYERS),
        ("video/leak.py", "from ipcamd.device import Device\n", LAYERS),
        # Lower layers never import upper ones.
        ("params/leak.py", "import ipcamd.video.service\n", LAYERS),
        ("db.py", "import ipcamd.auth.users\n", LAYERS),
        ("events/bus.py", "import ipcamd.params.store\n", LAYERS),
        # Families are independent of each other (system -> auth for backups excepted).
        ("io/ports.py", "import ipcamd.video.service\n", LAYERS),
        ("video/leak.py", "import ipcamd.system.clock\n", LAYERS),
        ("auth/leak.py", "import ipcamd.system.backup\n", LAYERS),
        # A new top-level module must be given its place in the layers.
        ("widgets.py", "X = 1\n", LAYERS),
    ],
)
def test_a_module_that_breaks_a_rule_fails_the_contracts(
    tmp_path: Path, module: str, source: str, contract: str
) -> None:
    code, output = _lint(tmp_path, module, source)
    assert code != 0, output
    assert f"{contract} BROKEN" in output, output
