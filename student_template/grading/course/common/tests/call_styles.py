"""``map``, ``zipWith`` and ``reduce`` called in either of the two styles students write them in.

The handout's are curried: ``map(fn)(ls)``, ``zipWith(fn)(ls1, ls2)`` and
``reduce(fn, start)(ls)``. Many solutions of the public course take the
lists at once instead: ``map(fn, ls)``, ``zipWith(fn, ls1, ls2)`` and
``reduce(fn, ls, start)`` (or ``reduce(fn, start, ls)``). The tests grade
both alike: which style a function has is read from its signature, and
what ``map`` and ``zipWith`` return may be any iterable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
START_WORDS = ("start", "init", "acc", "x0", "zero", "base", "default")


def call_map(map_: Callable[..., Any], fn: Callable[[Any], Any], ls: Iterable[Any]) -> list[Any]:
    """``map_(fn)(ls)`` or ``map_(fn, ls)``, as a list."""
    return list(map_(fn, ls) if len(_positional(map_)) >= 2 else map_(fn)(ls))


def call_zip_with(
    zip_with: Callable[..., Any], fn: Callable[[Any, Any], Any], ls1: Iterable[Any], ls2: Iterable[Any]
) -> list[Any]:
    """``zip_with(fn)(ls1, ls2)`` or ``zip_with(fn, ls1, ls2)``, as a list."""
    return list(zip_with(fn, ls1, ls2) if len(_positional(zip_with)) >= 3 else zip_with(fn)(ls1, ls2))


def call_reduce(reduce_: Callable[..., Any], fn: Callable[[Any, Any], Any], start: Any, ls: Iterable[Any]) -> Any:
    """``reduce_(fn, start)(ls)``, or ``reduce_(fn, ls, start)`` (``reduce_(fn, start, ls)`` when so named)."""
    names = _positional(reduce_)
    if len(names) < 3:
        return reduce_(fn, start)(ls)
    if any(word in names[1].lower() for word in START_WORDS):
        return reduce_(fn, start, ls)
    return reduce_(fn, ls, start)


def _positional(fn: Callable[..., Any]) -> list[str]:
    """The names of the positional parameters of ``fn`` (none known: one, the curried style)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ["fn"]
    return [p.name for p in parameters if p.kind in POSITIONAL]
