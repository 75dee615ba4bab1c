"""The reference keeps the public MiniTorch interface: names, signatures, helper shapes, conventions.

The interface is written down as facts in ``public_interface.toml``;
``interface_probe.py`` compares the reference with it in a fresh process
(whether ``numba.cuda`` is reachable depends on what that process imported).
Each section of the record is one test here, so a failure names the part of
the interface that moved.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ..conftest import REPO

pytestmark = pytest.mark.slow  # grades the real course

HERE = Path(__file__).resolve().parent
RECORD = HERE / "public_interface.toml"
PROBED = ["top_level", "arity", "signatures", "kernels", "members", "datasets", "testing", "conventions"]
SECTIONS = ["numba.cuda", *PROBED]


@pytest.fixture(scope="module")
def problems() -> dict[str, list[str]]:
    """What differs from the record in the reference, by section."""
    done = subprocess.run(
        [sys.executable, str(HERE / "interface_probe.py"), str(REPO / "reference"), str(RECORD)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return report


@pytest.mark.parametrize("section", SECTIONS)
def test_reference_matches_the_public_interface(problems: dict[str, list[str]], section: str) -> None:
    assert problems[section] == [], "\n".join(problems[section])


def test_the_record_is_checked_whole() -> None:
    """Every table of the record is read by the probe: a section added to the file cannot go unchecked."""
    record = tomllib.loads(RECORD.read_text())
    assert set(record) == set(PROBED)


def test_the_probe_sees_a_difference(tmp_path: Path) -> None:
    """A record that disagrees with the reference is reported, section by section."""
    text = RECORD.read_text()
    text = text.replace('"operators.mul" = 2', '"operators.mul" = 3')
    text = text.replace('"topological_sort" = ["variable"]', '"topological_sort" = ["root"]')
    text = text.replace('"operators", "nn",', '"operators", "nn", "NoSuchName",')
    record = tmp_path / "record.toml"
    record.write_text(text)
    done = subprocess.run(
        [sys.executable, str(HERE / "interface_probe.py"), str(REPO / "reference"), str(record)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=REPO,
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["arity"] == ["operators.mul takes 2 required arguments, the public one 3"]
    assert report["signatures"] == ["topological_sort(variable): the public one is (root)"]
    assert report["top_level"] == ["minitorch.NoSuchName is missing"]
