"""Runs inside a student-test child: lays mutants and variants over the library, disguised.

It is copied into the scratch tree as ``_autograder_layers.py`` and used by
the test plugin, so it depends on nothing but the standard library. The
parent passes its orders through a pipe named in the environment
(:data:`ORDERS_FD`); every run of a task's student tests gets one, the
runs on the plain library included, and the plugin reads it, closes it and
takes the variable out of the environment before any test module is
imported. Nothing then tells a test which library it runs on: no variable,
no file in the tree, no module in ``sys.modules``.

A layer is the source of a mutant or a variant: a file that defines
``mutate(module)``, returning replacement functions by name. Each
replacement is rebuilt to pass for the function it replaces: the original's
name, qualified name, module, docstring, defaults, annotations and globals,
and a code object that claims the original's file and first line (so
``inspect.getsource`` shows the original's source) and reports every one
of its instructions on the original's first statement line. What stays its
own is what it computes with: its bytecode, constants and closure.
"""

from __future__ import annotations

import builtins
import dis
import gc
import importlib
import json
import os
import sys
from collections.abc import Sequence
from types import CodeType, FunctionType, ModuleType
from typing import Any

ORDERS_FD = "AUTOGRADER_ORDERS_FD"  # a pipe holding the orders, read once and closed
ORDERS_LIMIT = 16 * 1024  # what a pipe holds before its writer would block
CO_NESTED = 0x10
NO_COLUMNS = 13  # a line-table entry that gives a line and no columns
_MISSING = object()


def encode_orders(imports: Sequence[str], layers: Sequence[tuple[str, str]]) -> bytes:
    """The orders of one student-test child, as the parent writes them to its pipe.

    Args:
        imports: Library modules to import first. Give the same in every run
            of a task, so which modules are loaded says nothing about the layers.
        layers: ``(target module, source)`` of each mutant or variant, in
            order; a function one layer replaced is left alone by later ones.

    Raises:
        ValueError: If the orders would not fit in a pipe.
    """
    orders = {"imports": list(imports), "layers": [{"target": t, "source": s} for t, s in layers]}
    data = json.dumps(orders).encode("utf-8")
    if len(data) > ORDERS_LIMIT:
        raise ValueError(f"the library layers take {len(data)} bytes, more than a pipe holds ({ORDERS_LIMIT})")
    return data


def take_orders() -> dict[str, Any]:
    """Read the orders pipe to its end, close it, and take its variable out of the environment."""
    fd = os.environ.pop(ORDERS_FD, None)
    if fd is None:
        return {"imports": [], "layers": []}
    with os.fdopen(int(fd), "rb") as pipe:
        orders: dict[str, Any] = json.loads(pipe.read().decode("utf-8"))
    return orders


def apply_orders(orders: dict[str, Any]) -> None:
    """Import the modules, then lay each layer over its target module.

    A module that fails to import is left for the tests to import (their
    collection reports the error); a layer that fails raises.
    """
    for name in orders["imports"]:
        try:
            importlib.import_module(name)
        except Exception:
            pass  # the tests' collection reports it
    replaced: set[tuple[str, str]] = set()
    for layer in orders["layers"]:
        target = layer["target"]
        module = importlib.import_module(target)
        scope: dict[str, Any] = {"__name__": "_autograder_layer", "__builtins__": builtins}
        exec(compile(layer["source"], "_autograder_layer", "exec"), scope)
        for name, function in scope["mutate"](module).items():
            if (target, name) not in replaced:
                _install(module, name, disguised(function, getattr(module, name), module))
                replaced.add((target, name))
    gc.collect()  # the layers' own namespaces are garbage now: gone before any test looks


def _install(module: ModuleType, name: str, function: FunctionType) -> None:
    """Replace ``module.name`` wherever the library imported it by name (``from .operators import sigmoid``).

    Only names already bound are looked at: asking the package for a name it
    has not imported yet would import its file (``minitorch.max`` is
    ``nn.py``'s), so which files are loaded would tell a layered run apart.
    """
    original = getattr(module, name)
    package = module.__name__.split(".")[0]
    for loaded_name, loaded in list(sys.modules.items()):
        in_package = loaded_name == package or loaded_name.startswith(package + ".")
        if in_package and vars(loaded).get(name) is original:
            setattr(loaded, name, function)


def disguised(function: Any, original: Any, module: ModuleType) -> FunctionType:
    """``function`` rebuilt to look like ``original``, a function of ``module``.

    Raises:
        TypeError: If either is not a plain Python function.
    """
    if not isinstance(function, FunctionType) or not isinstance(original, FunctionType):
        raise TypeError(f"{module.__name__}: a layer replaces plain functions by plain functions")
    home = original.__code__
    code = _relocated(function.__code__, home, home.co_firstlineno, home.co_qualname)
    code = code.replace(co_name=home.co_name, co_flags=code.co_flags & ~CO_NESTED)
    scope = module.__dict__ if _same_globals(code, function.__globals__, module.__dict__) else function.__globals__
    rebuilt = FunctionType(code, scope, original.__name__, original.__defaults__, function.__closure__)
    rebuilt.__kwdefaults__ = dict(original.__kwdefaults__) if original.__kwdefaults__ is not None else None
    rebuilt.__qualname__ = original.__qualname__
    rebuilt.__module__ = original.__module__
    rebuilt.__doc__ = original.__doc__
    rebuilt.__annotations__ = dict(original.__annotations__)
    rebuilt.__dict__.update(original.__dict__)
    for attribute in ("__type_params__",):  # Python 3.12+
        if hasattr(original, attribute):
            setattr(rebuilt, attribute, getattr(original, attribute))
    return rebuilt


def _relocated(code: CodeType, home: CodeType, first_line: int, qualname: str) -> CodeType:
    """``code`` placed in ``home``'s file at ``first_line``, every instruction on ``home``'s first statement."""
    line = _first_statement_line(home)
    consts = tuple(
        _relocated(c, home, line, f"{qualname}.<locals>.{c.co_name}") if isinstance(c, CodeType) else c
        for c in code.co_consts
    )
    return code.replace(
        co_filename=home.co_filename,
        co_firstlineno=first_line,
        co_linetable=_one_line_table(code, line - first_line),
        co_qualname=qualname,
        co_consts=consts,
    )


def _first_statement_line(code: CodeType) -> int:
    """The line of a function's first statement (after its ``def`` and docstring)."""
    lines = [line for _, _, line in code.co_lines() if line is not None and line > code.co_firstlineno]
    return min(lines, default=code.co_firstlineno)


def _one_line_table(code: CodeType, offset: int) -> bytes:
    """A line table that puts every instruction of ``code`` on ``co_firstlineno + offset``, without columns."""
    units = len(code.co_code) // 2
    table = bytearray()
    while units:
        count = min(units, 8)  # an entry covers at most 8 code units
        table.append(0x80 | NO_COLUMNS << 3 | count - 1)
        table += _signed_varint(offset)
        offset = 0  # later entries are relative to the first
        units -= count
    return bytes(table)


def _signed_varint(value: int) -> bytes:
    """CPython's line-table varint: zigzag sign, six bits a byte, 0x40 when more follow."""
    number = (-value << 1) | 1 if value < 0 else value << 1
    out = bytearray()
    while number >= 64:
        out.append(number & 63 | 64)
        number >>= 6
    out.append(number)
    return bytes(out)


def _same_globals(code: CodeType, own: dict[str, Any], module: dict[str, Any]) -> bool:
    """Whether every global name ``code`` reads means the same object in ``module`` as in ``own``."""
    for name in _global_names(code):
        mine = own.get(name, getattr(builtins, name, _MISSING))
        if mine is _MISSING or module.get(name, getattr(builtins, name, _MISSING)) is not mine:
            return False
    return True


def _global_names(code: CodeType) -> set[str]:
    """The global names ``code`` and the code nested in it read or write."""
    kinds = {"LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL"}
    names = {str(i.argval) for i in dis.get_instructions(code) if i.opname in kinds}
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _global_names(const)
    return names
