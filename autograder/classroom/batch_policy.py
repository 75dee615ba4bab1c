"""What a batch may do with a class's submissions: only what the instructor explicitly allows.

By default a batch grades only under confinement (bubblewrap or unshare, see
:mod:`autograder.grading.sandbox`) and takes no submission time from the student's
own files. :class:`Allow` lifts either, for an instructor who knows why.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..grading.sandbox import best_mode


class BatchRefused(ValueError):
    """The batch will not run as asked (no confinement for student code); the message says what to do."""


@dataclass(frozen=True)
class Allow:
    """What the instructor explicitly allows a batch.

    Attributes:
        commit_dates: A git checkout's last commit is its submission time (when the roster has none).
        unconfined: Grading with plain resource limits only, where neither bubblewrap nor unshare works.
    """

    commit_dates: bool = False
    unconfined: bool = False


def check_confinement(allow: Allow, where: str = "this machine") -> None:
    """Refuse to grade a class unconfined unless allowed.

    Raises:
        BatchRefused: :func:`~autograder.grading.sandbox.best_mode` is ``subprocess`` and ``allow.unconfined`` is false.
    """
    if best_mode() == "subprocess" and not allow.unconfined:
        raise BatchRefused(
            f"no sandbox on {where} (neither bubblewrap nor unshare works): students' code would run unconfined; "
            "install bubblewrap, or pass --allow-unconfined (ALLOW_UNCONFINED=1) in a disposable VM"
        )
