"""Task 1.5: the Scalar network learns each dataset the manifest names."""

from __future__ import annotations

from typing import Any

import pytest

from .training import check_training, target_id, targets

TARGETS = targets("1.5")


@pytest.mark.task1_5
@pytest.mark.parametrize("target", TARGETS, ids=[target_id(t) for t in TARGETS])
def test_scalar_training(target: dict[str, Any]) -> None:
    """A seeded run of your network reaches the target accuracy."""
    from project.run_scalar import ScalarTrain  # imported by the test, so a broken script fails here, not at collection

    check_training(ScalarTrain, target)
