"""Plain values out of what the library returned: the tests compare only these.

A test that compares a returned value directly (``relu(a) == 0.0``) lets the
value decide: an object whose ``==`` is always true, or a ``float`` subclass
whose ``<`` says what it likes, would pass any test. So every value that
comes from the library goes through one of these functions first. Each
accepts only the exact types Python and numpy make (``int``, ``float``,
``bool``, numpy's own number types, ``list``, ``tuple``, ``str``, and
``numpy.ndarray`` of numbers), returns a fresh value of a built-in type, and
otherwise fails with one line saying what came back instead::

    assert as_float(relu(a), "operators.relu") == 0.0

``what`` names the value in that line; a correct library never sees it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NUMBERS: frozenset[type] = frozenset(
    {int, float, bool, np.bool_, np.float16, np.float32, np.float64, np.longdouble}
    | {np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64}
)
INTEGERS: frozenset[type] = frozenset(
    {int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64}
)
BOOLEANS: frozenset[type] = frozenset({bool, np.bool_})
SEQUENCES: frozenset[type] = frozenset({list, tuple})
ARRAY_KINDS = "biuf"  # numpy dtype kinds of booleans, integers and floats: no objects, strings or complex numbers


def type_name(value: Any) -> str:
    """The name of ``value``'s type, with its module when it is not a built-in, printable on one line."""
    kind = type(value)
    module = getattr(kind, "__module__", None)
    name = getattr(kind, "__qualname__", None)
    text = f"{name}" if module == "builtins" else f"{module}.{name}"
    return "".join(c if c.isprintable() else "?" for c in text)[:120]


def _fail(what: str, value: Any, expected: str) -> AssertionError:
    return AssertionError(f"{what} returned {type_name(value)}, expected {expected}")


def as_float(value: Any, what: str) -> float:
    """``value`` as a built-in float, if it is a plain number (``int``, ``float``, ``bool`` or a numpy number)."""
    if type(value) not in NUMBERS:
        raise _fail(what, value, "a number (int or float)")
    try:
        return float(value)
    except OverflowError:
        raise AssertionError(f"{what} returned an integer too large for a float") from None


def as_int(value: Any, what: str) -> int:
    """``value`` as a built-in int, if it is a plain integer (``int`` or a numpy integer; not a bool)."""
    if type(value) not in INTEGERS:
        raise _fail(what, value, "an integer")
    return int(value)


def as_bool(value: Any, what: str) -> bool:
    """``value`` as a built-in bool, if it is ``True`` or ``False`` (or numpy's)."""
    if type(value) not in BOOLEANS:
        raise _fail(what, value, "a bool (True or False)")
    return bool(value)


def as_str(value: Any, what: str) -> str:
    """``value`` itself, if it is a built-in str."""
    if type(value) is not str:
        raise _fail(what, value, "a str")
    return value


def as_list(values: Any, what: str) -> list[Any]:
    """The items of a built-in ``list`` or ``tuple``, as a new list (the items themselves are not checked)."""
    if type(values) not in SEQUENCES:
        raise _fail(what, values, "a list")
    return list(values)


def as_floats(values: Any, what: str) -> Any:
    """A ``list`` (or ``tuple``) of plain numbers as the same kind of sequence of built-in floats.

    The kind is kept, so that ``as_floats(result, ...) == [1.0]`` still needs a list.
    """
    items = as_list(values, what)
    floats = [as_float(item, f"{what}[{i}]") for i, item in enumerate(items)]
    return floats if type(values) is list else tuple(floats)


def as_ints(values: Any, what: str) -> tuple[int, ...]:
    """A ``tuple`` or ``list`` of plain integers (a shape, an index) as a tuple of built-in ints."""
    items = as_list(values, what)
    return tuple(as_int(item, f"{what}[{i}]") for i, item in enumerate(items))


def as_shape(value: Any, what: str) -> tuple[int, ...]:
    """A shape: a built-in tuple of plain integers, as a tuple of built-in ints."""
    if type(value) is not tuple:
        raise _fail(what, value, "a tuple of ints")
    return as_ints(value, what)


def as_array(value: Any, what: str) -> np.ndarray:
    """A fresh float64 copy of a numpy array of numbers, or of a Tensor's ``to_numpy()``.

    The array must be exactly ``numpy.ndarray`` (not a subclass) holding
    booleans, integers or floats.
    """
    array = value
    if type(value) is not np.ndarray:
        if not callable(getattr(type(value), "to_numpy", None)):
            raise _fail(what, value, "a Tensor or a numpy array")
        array = value.to_numpy()
        what = f"{what}.to_numpy()"
    if type(array) is not np.ndarray:
        raise _fail(what, array, "a numpy.ndarray")
    if array.dtype.kind not in ARRAY_KINDS:
        raise AssertionError(f"{what} returned an array of {array.dtype}, expected numbers")
    return np.array(array, dtype=np.float64, copy=True)
