"""Template group checks: rules that join the parameters of one dynamic group.

A template's ``check`` sees the group as the add or update would leave it (stored values with
the request's on top); a refusal changes nothing and names the group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from ipcamd.access import AccessLevel
from ipcamd.db import Database
from ipcamd.errors import InvalidParameter
from ipcamd.params.schema import SchemaPart, Template, assemble, param
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.params.types import Integer, Text

OP = AccessLevel.OPERATOR
SPAN = Integer(0, 100)


def low_not_above_high(values: Mapping[str, str]) -> None:
    if int(values["Low"]) > int(values["High"]):
        raise InvalidParameter(f"Low ({values['Low']}) is above High ({values['High']})")


RANGE = Template(
    "range",
    "Range",
    (
        param("Name", Text(8), "", OP, OP),
        param("Low", SPAN, "0", OP, OP),
        param("High", SPAN, "100", OP, OP),
    ),
    check=low_not_above_high,
)
PLAIN = Template("plain", "Plain", (param("Low", SPAN, "0", OP, OP),))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ParamStore]:
    db = Database(tmp_path / "params.sqlite3")
    yield ParamStore(assemble([SchemaPart(templates=[RANGE, PLAIN])]), db)
    db.close()


async def test_add_checks_the_new_group_with_its_defaults(store: ParamStore) -> None:
    assert await store.async_add("Range", "range", [("Range.R.Low", "40")], OP) == "R0"
    with pytest.raises(InvalidParameter) as refused:
        await store.async_add("Range", "range", [("Range.R.Low", "60"), ("Range.R.High", "50")], OP)
    assert str(refused.value) == "Invalid values for group 'Range.R1': Low (60) is above High (50)"
    assert store.instances("Range") == ["Range.R0"]


async def test_update_checks_stored_values_with_the_new_ones(store: ParamStore) -> None:
    await store.async_add("Range", "range", [("Range.R.Low", "20"), ("Range.R.High", "30")], OP)
    heard: list[ParamChange] = []
    store.subscribe("", heard.append)
    with pytest.raises(
        InvalidParameter, match=re.escape("'Range.R0': Low (40) is above High (30)")
    ):
        await store.async_update([("Range.R0.Low", "40"), ("Range.R0.Name", "x")], OP)
    assert store.group("Range.R0") == {"Name": "", "Low": "20", "High": "30"}
    assert heard == []
    # Both ends moved together pass, although either one alone would not.
    await store.async_update([("Range.R0.Low", "40"), ("Range.R0.High", "50")], OP)
    assert store.group("Range.R0") == {"Name": "", "Low": "40", "High": "50"}


async def test_one_bad_group_refuses_the_whole_update(store: ParamStore) -> None:
    await store.async_add("Range", "range", [], OP)
    await store.async_add("Range", "range", [], OP)
    await store.async_add("Plain", "plain", [], OP)
    with pytest.raises(InvalidParameter, match=re.escape("'Range.R1'")):
        await store.async_update(
            [
                ("Range.R0.Low", "10"),
                ("Plain.P0.Low", "99"),
                ("Range.R1.Low", "50"),
                ("Range.R1.High", "10"),
            ],
            OP,
        )
    assert store.get("Range.R0.Low") == "0"
    assert store.get("Plain.P0.Low") == "0"


async def test_groups_without_a_check_and_static_parameters_are_untouched(
    store: ParamStore,
) -> None:
    await store.async_add("Plain", "plain", [("Plain.P.Low", "100")], OP)
    await store.async_update([("Plain.P0.Low", "0")], OP)
    assert store.get("Plain.P0.Low") == "0"
