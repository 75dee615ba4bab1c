"""Task 3.5: the mini-batch network on the fast backend learns each dataset the manifest names."""

from __future__ import annotations

from typing import Any

import pytest

from .training import check_training, target_id, targets

TARGETS = targets("3.5")


@pytest.mark.task3_5
@pytest.mark.parametrize("target", TARGETS, ids=[target_id(t) for t in TARGETS])
def test_fast_training(target: dict[str, Any]) -> None:
    """A seeded run of your network on the fast CPU backend reaches the target accuracy in time."""
    from project.run_fast_tensor import FastTrain

    check_training(FastTrain, target)
