from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.clock import PlantClock


def test_plant_time_runs_scale_times_faster_from_the_epoch() -> None:
    clock = PlantClock(epoch=1_000_000.0, scale=60)
    assert clock.plant_at(1_000_000.0) == datetime.fromtimestamp(1_000_000.0, tz=UTC)
    assert clock.plant_at(1_000_010.0) - clock.plant_at(1_000_000.0) == timedelta(minutes=10)


def test_wall_and_plant_conversions_are_inverse() -> None:
    clock = PlantClock(epoch=1_700_000_000.0, scale=3600)
    plant = clock.plant_at(1_700_000_123.5)
    assert clock.wall_at(plant) == pytest.approx(1_700_000_123.5)
    assert clock.wall_seconds(timedelta(hours=2)) == pytest.approx(2.0)
    assert clock.plant_duration(0.5) == timedelta(minutes=30)


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        PlantClock(epoch=0, scale=0)
