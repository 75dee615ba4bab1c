"""A released notebook runs in Jupyter as a student opens it: the kernel starts in notebooks/.

The student's environment is made as `make install` makes it, but quicker:
a fresh virtual environment that sees this one's packages, with the release
installed editable into it (no dependencies; the build backend, setuptools,
comes from the package index or its cache). Each notebook then runs up to its first cell to write, whose
stub raises NotImplementedError; an import error before it would mean a
student could not open the write-up at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder.authoring.release import release_module
from autograder.manifest import Course

pytestmark = pytest.mark.slow  # releases the real course

# Run by the student's Python: execute one notebook with its kernel in FOLDER; print where it stopped.
RUN_NOTEBOOK = """
import json, sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

notebook = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}})
stopped = None
try:
    client.execute()
except CellExecutionError as error:
    stopped = error.ename
ran = [c for c in notebook.cells if c.cell_type == "code" and c.get("execution_count")]
failed = [i for i, c in enumerate(ran) if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
print(json.dumps({"stopped": stopped, "ran": len(ran), "failed": failed, "source": ran[-1].source if ran else ""}))
"""
# Run by the student's Python in notebooks/: where the notebooks' imports come from.
WHERE = (
    "import json, minitorch, project.run_scalar as r, tests.plain as p; "
    "print(json.dumps([minitorch.__file__, r.__file__, p.__file__]))"
)


def student_python(release: Path, folder: Path) -> Path:
    """A virtual environment like the one `make install` makes in ``release``, built offline."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "course_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    uv = Path(sys.executable).parent / "uv"  # `make install` (the course's) installs it; else pip, as students do
    install = [str(python), "-m", "pip", "install"]
    if uv.is_file():
        install = [str(uv), "pip", "install", "--python", str(python)]
    command = [*install, "--quiet", "--no-deps", "-e", str(release)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=clean_env())
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return python


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def module1(course: Course, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("student")
    release_module(course, 1, root / "repo")
    return root / "repo", student_python(root / "repo", root / "venv")


def test_the_notebooks_import_minitorch_project_and_tests_from_the_release(module1: tuple[Path, Path]) -> None:
    release, python = module1
    done = subprocess.run(
        [str(python), "-c", WHERE], cwd=release / "notebooks", capture_output=True, text=True, env=clean_env()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for file in json.loads(done.stdout):
        assert Path(file).is_relative_to(release), file


@pytest.mark.parametrize("notebook", ["module0.ipynb", "module1.ipynb"])
def test_a_released_notebook_runs_from_notebooks_up_to_its_first_stub(
    module1: tuple[Path, Path], notebook: str
) -> None:
    """Module 0's stops at its first cell to write; module 1's setup cell imports, then draws data with a stub."""
    release, python = module1
    folder = release / "notebooks"
    command = [str(python), "-c", RUN_NOTEBOOK, str(folder / notebook), str(folder)]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, env=clean_env())
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["stopped"] == "NotImplementedError", result  # not ModuleNotFoundError
    assert result["failed"] == [result["ran"] - 1], result  # the cells before it ran, and none after it
    assert "import minitorch" in result["source"] or "NotImplementedError" in result["source"], result
