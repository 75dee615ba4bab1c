"""The command line shared by the training scripts: parse, train, report, plot."""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import minitorch

DATASETS = {name.lower(): name for name in minitorch.datasets}
LogFn = Callable[[int, float, int, float], None]


@dataclass
class History:
    """What a training run did, epoch by epoch."""

    losses: list[float] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def print_progress(epoch: int, loss: float, correct: int, seconds: float) -> None:
    """The progress line printed every few epochs."""
    print(f"epoch {epoch:4d}  loss {loss:9.4f}  correct {correct:4d}  time/epoch {seconds * 1000:7.1f} ms", flush=True)


def run(
    description: str,
    make_trainer: Callable[..., Any],
    prefix: str,
    argv: Sequence[str] | None = None,
    hidden: int = 8,
    epochs: int = 200,
    rate: float = 0.5,
    backends: Mapping[str, Callable[[], Any]] | None = None,
) -> None:
    """Parse the options, train on one dataset, and write the loss curve and decision boundary.

    Args:
        description: The ``--help`` text.
        make_trainer: Builds a trainer from the hidden size; it has
            ``train(data, rate, epochs)``, ``accuracy(data)`` and ``predict(x1, x2)``.
        prefix: Start of the PNG file names.
        argv: The arguments (``sys.argv`` by default).
        hidden: Default hidden size.
        epochs: Default number of epochs.
        rate: Default learning rate.
        backends: When given, a ``--backend`` option chooses one of these
            by name (the first is the default); the trainer is then built as
            ``make_trainer(hidden, backend)``.

    Every option also has an upper-case spelling (``--DATASET``), as the
    course's handouts have always written them.
    """
    parser = argparse.ArgumentParser(description=description)

    def option(name: str, **kwargs: Any) -> None:
        parser.add_argument(f"--{name}", f"--{name.upper()}", dest=name, **kwargs)

    option("dataset", default="simple", type=str.lower, choices=sorted(DATASETS))
    option("points", type=int, default=50, help="number of points (default 50)")
    option("hidden", type=int, default=hidden, help=f"units per hidden layer (default {hidden})")
    option("rate", type=float, default=rate, help=f"learning rate (default {rate})")
    option("epochs", type=int, default=epochs, help=f"epochs (default {epochs})")
    option("seed", type=int, default=0, help="random seed for data and weights (default 0)")
    option("out", type=Path, default=Path("out"), help="folder for the PNGs (default out/)")
    if backends:
        names = list(backends)
        option("backend", default=names[0], type=str.lower, choices=names, help=f"tensor backend (default {names[0]})")
    args = parser.parse_args(argv)

    from project.plotting import save_decision_boundary, save_loss_curve

    name = DATASETS[args.dataset]
    random.seed(args.seed)
    data = minitorch.datasets[name](args.points)
    trainer = make_trainer(args.hidden, backends[args.backend]()) if backends else make_trainer(args.hidden)
    history = trainer.train(data, args.rate, args.epochs)
    print(f"final accuracy {trainer.accuracy(data):.2%} on {args.points} points of {name}")
    stem = f"{prefix}_{args.dataset}"
    loss_png = save_loss_curve(history.losses, args.out / f"{stem}_loss.png", f"{name}: loss")
    boundary_png = save_decision_boundary(trainer.predict, data, args.out / f"{stem}_boundary.png", name)
    print(f"wrote {loss_png} and {boundary_png}")
