"""PackML state numbers and names."""

from __future__ import annotations

import pytest

from orchestrator.plant import PackMLState, state_name, state_number


def test_standard_numbers() -> None:
    expected = {
        "Clearing": 1, "Stopped": 2, "Starting": 3, "Idle": 4, "Suspended": 5, "Execute": 6, "Stopping": 7,
        "Aborting": 8, "Aborted": 9, "Holding": 10, "Held": 11, "Unholding": 12, "Suspending": 13,
        "Unsuspending": 14, "Resetting": 15, "Completing": 16, "Complete": 17,
    }
    assert {s.label: int(s) for s in PackMLState} == expected
    for name, number in expected.items():
        assert state_name(number) == name
        assert state_number(name) == number
        assert state_number(name.upper()) == number
        assert state_number(str(number)) == number


def test_unknown_states() -> None:
    assert state_name(0) == "Unknown(0)"
    assert state_name(42) == "Unknown(42)"
    with pytest.raises(ValueError, match="'Running' is not a PackML state; use one of Clearing"):
        state_number("Running")
    with pytest.raises(ValueError, match="not a PackML state"):
        state_number("18")
