"""Task 2.5: the Tensor network learns each dataset the manifest names."""

from __future__ import annotations

from typing import Any

import pytest

from .training import check_training, target_id, targets

TARGETS = targets("2.5")


@pytest.mark.task2_5
@pytest.mark.parametrize("target", TARGETS, ids=[target_id(t) for t in TARGETS])
def test_tensor_training(target: dict[str, Any]) -> None:
    """A seeded run of your tensor network reaches the target accuracy."""
    from project.run_tensor import TensorTrain  # imported by the test, so a broken script fails here, not at collection

    check_training(TensorTrain, target)
