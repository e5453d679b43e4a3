"""Tests for directory/origin.py: the resolved place a search starts from."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest

from directory.origin import Origin, Precision


def test_origin_is_a_frozen_value() -> None:
    origin = Origin("80202", "Denver, CO 80202", 39.75, -104.99, "CO", "zip")
    assert origin == Origin("80202", "Denver, CO 80202", 39.75, -104.99, "CO", "zip")
    assert hash(origin) == hash(dataclasses.replace(origin))
    with pytest.raises(dataclasses.FrozenInstanceError):
        origin.state = "NY"  # type: ignore[misc]


def test_precision_names_every_kind_of_place() -> None:
    assert set(get_args(Precision)) == {"zip", "city", "coordinates", "address"}
