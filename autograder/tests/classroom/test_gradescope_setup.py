"""The Gradescope bundle's scripts: which Python ``setup.sh`` builds the grader's environment with.

``pick_python.sh`` runs against a PATH of fake interpreters, each answering
``-c CODE`` as a real one of its version would (it runs CODE with this
interpreter, its ``sys.version_info`` replaced), and a fake ``apt-get``
that records its calls and, when it works, installs a fake python3.11.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.classroom.gradescope import SCRIPTS

BASH = shutil.which("bash") or "/bin/bash"


def _fake_python(path: Path, version: tuple[int, int]) -> None:
    struct = "collections.namedtuple('version_info', 'major minor micro releaselevel serial')"
    fake_sys = f"import collections, sys; sys.version_info = {struct}({version[0]}, {version[1]}, 0, 'final', 0)"
    run = f'exec "{sys.executable}" -c "{fake_sys}; exec(sys.argv[1])" "$2"'
    path.write_text(f'#!/bin/sh\n[ "$1" = -c ] || exit 2\n{run}\n')
    path.chmod(0o755)


class FakeSystem:
    """A bin folder of fake interpreters and apt tools, and the log of what the tools were asked."""

    def __init__(self, root: Path, pythons: dict[str, tuple[int, int]], apt_works: bool = True) -> None:
        self.bin = root / "bin"
        self.bin.mkdir()
        self.log = root / "apt.log"
        self.sources = root / "sources.list"
        self.sources.write_text("# software in universe WILL NOT receive any review\ndeb http://x jammy main\n")
        for name, version in pythons.items():
            _fake_python(self.bin / name, version)
        installed = root / "python3.11"
        _fake_python(installed, (3, 11))
        install = f'cp "{installed}" "{self.bin}/python3.11"' if apt_works else "exit 100"
        for tool, action in (("apt-get", f'case "$*" in *"install -y -q python3.11 "*) {install};; esac'),
                             ("add-apt-repository", ":")):  # fmt: skip
            (self.bin / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{self.log}"\n{action}\n')
            (self.bin / tool).chmod(0o755)
        for tool in ("grep", "cp"):  # what the scripts use besides bash; never a real python
            real = shutil.which(tool)
            assert real is not None
            (self.bin / tool).symlink_to(real)

    def pick(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``pick_python.sh`` with only the fake bin folder on PATH."""
        env = {"PATH": str(self.bin), "APT_SOURCES": str(self.sources)}
        return subprocess.run(
            [BASH, str(SCRIPTS / "pick_python.sh"), *args], env=env, capture_output=True, text=True, timeout=60
        )

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def test_ubuntu_2404s_python_312_is_picked_without_apt(tmp_path: Path) -> None:
    fake = FakeSystem(tmp_path, {"python3": (3, 12), "python3.12": (3, 12)})
    done = fake.pick("--install")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{fake.bin / 'python3.12'}\n"
    assert fake.calls() == []


def test_a_recent_python3_is_enough(tmp_path: Path) -> None:
    fake = FakeSystem(tmp_path, {"python3": (3, 13)})
    assert fake.pick().stdout == f"{fake.bin / 'python3'}\n"


def test_ubuntu_2204s_python_310_gets_python_311_from_universe(tmp_path: Path) -> None:
    fake = FakeSystem(tmp_path, {"python3": (3, 10), "python3.10": (3, 10)})
    done = fake.pick("--install")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{fake.bin / 'python3.11'}\n"
    calls = fake.calls()
    universe, install = "add-apt-repository -y universe", "apt-get install -y -q python3.11 python3.11-venv"
    assert universe in calls, "the commented mention of universe does not enable it"
    assert calls.index(universe) < calls.index(install)


def test_universe_already_enabled_is_left_alone(tmp_path: Path) -> None:
    fake = FakeSystem(tmp_path, {"python3": (3, 10)})
    fake.sources.write_text("deb http://archive.ubuntu.com/ubuntu jammy main restricted universe\n")
    assert fake.pick("--install").returncode == 0
    assert not [c for c in fake.calls() if c.startswith("add-apt-repository")]


@pytest.mark.parametrize("install", [True, False])
def test_no_usable_python_fails_loudly(tmp_path: Path, install: bool) -> None:
    fake = FakeSystem(tmp_path, {"python3": (3, 10)}, apt_works=False)
    done = fake.pick(*(["--install"] if install else []))
    assert done.returncode != 0 and done.stdout == ""
    assert "no Python >= 3.11 found" in done.stderr and "python3: 3.10" in done.stderr
    assert "python3.12: none" in done.stderr
    assert bool(fake.calls()) == install, "apt is tried only when asked to install"


@pytest.mark.parametrize("script", ["setup.sh", "pick_python.sh", "run_autograder"])
def test_scripts_are_valid_bash(script: str) -> None:
    done = subprocess.run([BASH, "-n", str(SCRIPTS / script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_setup_makes_the_venv_with_the_picked_python_and_the_student_user() -> None:
    text = (SCRIPTS / "setup.sh").read_text()
    assert 'PYTHON=$(bash "$HERE/pick_python.sh" --install)' in text
    assert '"$PYTHON" -m venv "$ROOT/venv"' in text and "bubblewrap" in text
    assert 'useradd --system --no-create-home --shell /usr/sbin/nologin "$STUDENT_USER"' in text
