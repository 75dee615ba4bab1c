"""Task 4.5: the convolutional networks have the handout's layers and learn their datasets."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from .backends import get_backend
from .plain import as_array, as_shape, as_str
from .training import check_classifier, target_id, targets

TARGETS = {t["dataset"]: t for t in targets("4.5")}


def _digits_trainer(hidden: int = 64) -> Any:
    from project.data import digits
    from project.run_mnist_multiclass import make_trainer

    random.seed(0)
    return make_trainer(digits(), hidden, get_backend("fast"))


def _mnist1d_trainer(hidden: int = 8) -> Any:
    from project.data import mnist1d
    from project.run_sentiment import make_trainer

    random.seed(0)
    return make_trainer(mnist1d(samples=100), hidden, get_backend("fast"))


def _shapes(model: Any) -> dict[str, tuple[int, ...]]:
    """Each parameter's shape by name, read as plain strs and ints."""
    return {
        as_str(name, "a parameter name"): as_shape(p.value.shape, f"the shape of {name}")
        for name, p in model.named_parameters()
    }


def _assert_log_probabilities(trainer: Any, x: np.ndarray, classes: int) -> None:
    out = as_array(trainer.log_probabilities(x), "log_probabilities")
    assert out.shape == (len(x), classes), f"the network gives shape {out.shape}, not (batch, classes)"
    np.testing.assert_allclose(np.exp(out).sum(axis=1), 1.0, atol=1e-6, err_msg="rows are not log-probabilities")
    again = as_array(trainer.log_probabilities(x), "log_probabilities")
    np.testing.assert_array_equal(out, again, err_msg="evaluation is not repeatable: is dropout off in eval mode?")


@pytest.mark.task4_5
def test_lenet_layers() -> None:
    """The digits network has the handout's layers (8x8 images: 8 channels of 2x2 after pooling)."""
    trainer = _digits_trainer()
    shapes = _shapes(trainer.model)
    expected = {
        "conv1.weights": (4, 1, 3, 3),
        "conv2.weights": (8, 4, 3, 3),
        "linear1.weights": (32, 64),
        "linear2.weights": (64, 10),
    }
    for name, shape in expected.items():
        assert shapes.get(name) == shape, f"{name}: expected shape {shape}, the network has {shapes.get(name)}"


@pytest.mark.task4_5
def test_lenet_gives_log_probabilities() -> None:
    """One row of log-probabilities per image, the same twice in evaluation mode."""
    from project.data import digits

    _assert_log_probabilities(_digits_trainer(), digits().val_x[:20], 10)


@pytest.mark.task4_5
def test_lenet_dropout_only_in_training() -> None:
    """In training mode dropout makes two passes differ; the loss has a gradient for every parameter."""
    from project.classifier import to_tensor
    from project.data import digits

    trainer = _digits_trainer()
    x = to_tensor(digits().train_x[:32], trainer.backend)
    trainer.model.train()
    first, second = trainer.model.forward(x), trainer.model.forward(x)
    assert not np.array_equal(as_array(first, "forward"), as_array(second, "forward")), (
        "training mode: no dropout between layers"
    )
    first.sum().view(1).backward()
    missing = [name for name, p in trainer.model.named_parameters() if p.value.grad is None]
    assert not missing, f"no gradient reached {', '.join(missing)}"


@pytest.mark.task4_5
def test_kim_layers() -> None:
    """The 1-D network has convolutions of widths 3, 4, 5 into the same feature maps, then one linear layer."""
    shapes = _shapes(_mnist1d_trainer(hidden=8).model)
    expected = {
        "conv1.weights": (8, 1, 3),
        "conv2.weights": (8, 1, 4),
        "conv3.weights": (8, 1, 5),
        "linear.weights": (8, 10),
    }
    for name, shape in expected.items():
        assert shapes.get(name) == shape, f"{name}: expected shape {shape}, the network has {shapes.get(name)}"


@pytest.mark.task4_5
def test_kim_gives_log_probabilities() -> None:
    """One row of log-probabilities per signal, the same twice in evaluation mode."""
    from project.data import mnist1d

    _assert_log_probabilities(_mnist1d_trainer(), mnist1d(samples=100).val_x, 10)


@pytest.mark.task4_5
def test_kim_uses_every_convolution() -> None:
    """The loss has a gradient for every parameter: each width's features reach the output."""
    from project.classifier import to_tensor
    from project.data import mnist1d

    trainer = _mnist1d_trainer()
    trainer.model.eval()
    trainer.model.forward(to_tensor(mnist1d(samples=100).val_x[:16], trainer.backend)).sum().view(1).backward()
    missing = [name for name, p in trainer.model.named_parameters() if p.value.grad is None]
    assert not missing, f"no gradient reached {', '.join(missing)}"


@pytest.mark.task4_5
@pytest.mark.parametrize("target", list(TARGETS.values()), ids=[target_id(t) for t in TARGETS.values()])
def test_network_training(target: dict[str, Any]) -> None:
    """A seeded run of your network reaches the target validation accuracy in time."""
    from project import data

    if target["dataset"] == "digits":
        from project.run_mnist_multiclass import make_trainer

        check_classifier(make_trainer, target, data.digits())
    else:
        from project.run_sentiment import make_trainer

        check_classifier(make_trainer, target, data.mnist1d())
