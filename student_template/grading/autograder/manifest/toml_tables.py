"""Typed access to the tables of a TOML manifest, with errors that name the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class ManifestError(ValueError):
    """A course or task manifest is malformed; the message names file and key."""


class TableReader:
    """Typed access to one TOML table, with errors that name the key path."""

    def __init__(self, path: Path, table: dict[str, Any], where: str = "") -> None:
        self.path = path
        self.table = table
        self.where = where

    def fail(self, key: str, reason: str) -> ManifestError:
        """The error for ``key``, named by its path in the file."""
        name = f"{self.where}.{key}" if self.where else key
        return ManifestError(f"{self.path}: {name}: {reason}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        """The value of ``key``, of type ``kind``; ``default`` when absent, an error when required."""
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "missing required key")
            return default
        value = self.table[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(key, f"expected a number, got {value!r}")
        if not isinstance(value, kind):
            raise self.fail(key, f"expected {_kind_name(kind)}, got {value!r}")
        return value

    def strings(self, key: str, default: Any = ...) -> tuple[str, ...]:
        """The list of strings under ``key``."""
        value = self.get(key, list, default)
        if not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of strings, got {value!r}")
        return tuple(value)

    def tables(self, key: str) -> list[TableReader]:
        """A reader for each table of the array ``key`` (none when absent)."""
        value = self.get(key, list, [])
        readers = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.fail(f"{key}[{i}]", f"expected a table, got {item!r}")
            prefix = f"{self.where}." if self.where else ""
            readers.append(TableReader(self.path, item, f"{prefix}{key}[{i}]"))
        return readers

    def check_keys(self, allowed: set[str]) -> None:
        """Fail on the first key not in ``allowed``."""
        for key in self.table:
            if key not in allowed:
                raise self.fail(key, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    names.update({list: "a list", dict: "a table"})
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; a missing or malformed file is a :class:`ManifestError`."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ManifestError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{path}: invalid TOML: {error}") from None
