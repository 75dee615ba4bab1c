"""Tamper canaries: tests that fail under honest test machinery, whatever the library does.

Each graded task gets one in a public test file of its own and one in its
hidden test file, named like the tests beside it and carrying the task's
marker. A canary's body asserts something false about plain arithmetic, so
it fails for a correct library, a stub and any bug alike. If one is reported
passed, the machinery that ran it (pytest's hooks, the reporting plugin, the
event stream) was tampered with: the child's results are void and the task
is flagged ``tampered``. A canary's body computes with literals and operators
alone: a test file may import the library's own ``sum`` or ``max`` under
those names, and a library that answers anything must not pass for tampering.

Names and numbers are drawn from a seed made from the submission's files,
so a regrade plants the same canaries and reproduces its verdicts.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path
from typing import Any

from ..manifest import Task

WORD = re.compile(r"[a-z]+")
TEMPLATES = (
    '''
@pytest.mark.{marker}
def {name}() -> None:
    """{words} hold for exact sums."""
    total = {a}
    total += {b}
    assert total == {wrong_sum}, f"{{total}}"
''',
    '''
@pytest.mark.{marker}
def {name}() -> None:
    """{words} agree on a product."""
    values = [{a}, {b}]
    assert values[0] * values[1] == {wrong_product}
''',
)


def plant(tree: Path, task: Task, items: list[dict[str, Any]], seed: str, hidden: bool) -> str | None:
    """Append a canary for ``task`` to one of its public (or hidden) test files in ``tree``.

    Args:
        tree: A pristine grading tree (its test files are appended to).
        task: The task.
        items: The task's collected course tests.
        seed: What the names and numbers are drawn from.
        hidden: Plant it among the hidden tests rather than the public ones.

    Returns:
        The canary's node id, or ``None`` when the task has no such test file.
    """
    rng = random.Random(hashlib.sha256(f"{seed}/{task.id}/{hidden}".encode()).hexdigest())
    files = sorted({i["nodeid"].split("::")[0] for i in items if i["nodeid"].startswith("tests/")})
    mine = [f for f in files if f.startswith("tests/hidden/") == hidden and (tree / f).is_file()]
    if not mine:
        return None
    file = rng.choice(mine)
    names = {i["name"] for i in items} | set(re.findall(r"def (test_\w+)", (tree / file).read_text()))
    name = _name(rng, names)
    a, b, off = rng.randint(2, 90), rng.randint(2, 90), rng.randint(1, 9)
    words = " ".join(name.removeprefix("test_").split("_")).capitalize()
    body = rng.choice(TEMPLATES).format(
        marker=task.marker, name=name, words=words, a=a, b=b, wrong_sum=a + b + off, wrong_product=a * b + off
    )
    with (tree / file).open("a", encoding="utf-8") as handle:
        handle.write("\n" + body)
    return f"{file}::{name}"


def _name(rng: random.Random, taken: set[str]) -> str:
    """A test name made of the words of the names around it, not one of them."""
    words = sorted({w for name in taken for w in WORD.findall(name.removeprefix("test_")) if len(w) > 2})
    words = words + ["values", "edges", "cases", "small", "large"]
    while True:
        name = "test_" + "_".join(rng.sample(words, k=2))
        if name not in taken:
            return name
