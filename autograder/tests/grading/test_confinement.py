"""Hostile submissions against the grader's confinement: each class of attack must gain nothing.

- links: files taken through a symbolic link anywhere on their path;
- reach: what a child can read, write or leave running outside its own tree;
- shared trees: a child that edits its tree for the children after it;
- disk: a child that fills its tree;
- smuggling: hidden-test text or reference source carried out in messages;
- kernel caches: student tests and the library never share one.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.authoring.release import write_solution_tree
from autograder.grading import sandbox
from autograder.grading.context import prepare_context
from autograder.grading.grade import GradingOptions, grade
from autograder.grading.kernel_cache import shared_cache
from autograder.grading.run import GradingRun, expected_tests, sandbox_for
from autograder.manifest import Course
from autograder.results import GradeReport
from autograder.submission import Submission, link_on_path, reference_submission

from ..conftest import REPO, as_submission, sabotage_relu

pytestmark = pytest.mark.slow  # grades the real course

BUDGET_S = 8.0
HIDDEN_FILE = REPO / "assignments/module0/hidden/test_module0_hidden.py"


def _report_text(report: GradeReport) -> str:
    return json.dumps(report.to_dict())


@pytest.fixture
def stub_tree(course: Course, tmp_path: Path) -> Path:
    tree = tmp_path / "stubs"
    write_solution_tree(course, tree, strip=None)
    return tree


def test_files_reached_through_links_are_refused_and_named(course: Course, stub_tree: Path) -> None:
    """Links to the reference and to the solved tests, absolute and relative, on a folder and on a file."""
    operators = stub_tree / "minitorch/operators.py"
    operators.unlink()
    operators.symlink_to(os.path.relpath(REPO / "reference/minitorch/operators.py", operators.parent))
    shutil.rmtree(stub_tree / "project")
    (stub_tree / "project").symlink_to(REPO / "reference/project")
    shutil.rmtree(stub_tree / "tests")
    (stub_tree / "tests").symlink_to(os.path.relpath(REPO / "assignments/module0/tests", stub_tree))
    report = grade(
        course, as_submission(stub_tree), task_ids=["0.1", "0.2", "0.5"], options=GradingOptions(time_budget_s=BUDGET_S)
    )
    assert report.score == 0, [(t.id, t.score) for t in report.tasks]
    refused = "\n".join(n for n in report.notes if "symbolic link" in n)
    assert "minitorch/operators.py was refused: minitorch/operators.py is a symbolic link" in refused
    assert "project/run_manual.py was refused: project is a symbolic link" in refused
    assert "tests/test_operators.py was refused: tests is a symbolic link" in refused


def test_a_link_anywhere_on_the_path_is_found(tmp_path: Path) -> None:
    (tmp_path / "real/minitorch").mkdir(parents=True)
    (tmp_path / "real/minitorch/operators.py").write_text("x = 1\n")
    root = tmp_path / "submission"
    root.mkdir()
    (root / "minitorch").symlink_to("../real/minitorch")  # as a Gradescope upload would carry it
    found = Submission("s", (("", root),)).read("minitorch/operators.py")
    assert found.data is None and found.note is not None and "minitorch is a symbolic link" in found.note
    assert link_on_path(root, "minitorch/operators.py") == "minitorch"
    assert link_on_path(tmp_path / "real", "minitorch/operators.py") is None
    honest = Submission("s", (("", tmp_path / "real"),)).read("minitorch/operators.py")
    assert honest.data == b"x = 1\n" and honest.note is None


def _modes() -> Iterator[str]:
    if shutil.which("bwrap"):
        yield "bubblewrap"
    if os.geteuid() == 0 and shutil.which("unshare"):
        yield "unshare"


@pytest.fixture(params=list(_modes()) or ["none"])
def confined(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each confinement this machine offers, forced in turn."""
    if request.param == "none":
        pytest.skip("neither bubblewrap nor unshare works here")
    probe = ["bwrap", "--ro-bind", "/", "/", "true"] if request.param == "bubblewrap" else ["unshare", "-m", "true"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        pytest.skip(f"{request.param} does not work here")
    monkeypatch.setenv("AUTOGRADER_SANDBOX", request.param)
    sandbox.best_mode.cache_clear()
    yield request.param
    sandbox.best_mode.cache_clear()


# relu reports which host paths it can see, tries to write outside its tree, leaves a process behind, and
# plants a conftest.py that would pass every test of a later child that shared its tree.
PROBE = """    import glob, json, os, subprocess
    seen = [p for p in json.loads({secrets!r}) if os.path.exists(p)]
    seen += glob.glob("/tmp/autograder-*/hidden") + glob.glob("/tmp/autograder-*/student-tests")
    seen += ["tests/hidden"] if os.path.exists("tests/hidden") else []
    for target in json.loads({writes!r}):
        try:
            open(target, "w").write("x")
        except OSError:
            pass
    subprocess.Popen(["sh", "-c", "sleep 300 # {token}"], start_new_session=True)
    with open("tests/conftest.py", "w") as planted:
        planted.write("import pytest\\n@pytest.hookimpl(hookwrapper=True)\\ndef pytest_runtest_makereport(item, call):"
                      "\\n    outcome = yield\\n    outcome.get_result().outcome = 'passed'\\n")
    raise AssertionError("probe " + json.dumps(seen))
"""


def test_a_child_reaches_nothing_outside_its_own_tree(
    course: Course, solved_tree: Path, confined: str, tmp_path: Path
) -> None:
    token = uuid.uuid4().hex
    decoy_tmp = Path(f"/tmp/autograder-decoy-{token}")
    decoy_home = Path.home() / f".autograder-decoy-{token}"
    for decoy in (decoy_tmp, decoy_home):
        decoy.write_text("secret")
    secrets = [
        str(REPO / "reference/minitorch/operators.py"), str(REPO / ".git"), str(HIDDEN_FILE), str(decoy_tmp),
        str(decoy_home), str(shared_cache(course)), str(solved_tree), "/etc/shadow", str(Path.home() / ".bashrc"),
    ]  # fmt: skip
    writes = [f"/tmp/autograder-written-{token}", str(REPO / f".written-{token}"), str(tmp_path / "written")]
    body = PROBE.format(secrets=json.dumps(secrets), writes=json.dumps(writes), token=token)
    sabotage_relu(solved_tree, body)
    try:
        report = grade(
            course, as_submission(solved_tree), task_ids=["0.1", "0.4"], options=GradingOptions(time_budget_s=BUDGET_S)
        )
    finally:
        for decoy in (decoy_tmp, decoy_home):
            decoy.unlink()
    assert report.environment["isolation"] == confined
    probes = [t.message or "" for t in report.tasks[0].tests if "probe" in (t.message or "")]
    assert probes and all(m.splitlines()[0] == "AssertionError: probe []" for m in probes), probes
    relu = [t for t in report.tasks[0].tests if "relu" in t.name and "relu_back" not in t.name]
    assert relu and not any(t.passed for t in relu), "a planted conftest.py reached a later child"
    assert report.tasks[1].score == 10
    assert not [w for w in writes if os.path.exists(w)]
    left = subprocess.run(["pgrep", "-f", token], capture_output=True, text=True, check=False).stdout.split()
    assert not left, "a process of the submission outlived its grading"


def test_filling_the_tree_is_an_error_naming_the_quota(course: Course, solved_tree: Path, confined: str) -> None:
    body = (
        "    import os\n"
        "    for number in range(0 if os.path.exists('filler-0') else 20):\n"
        "        with open(f'filler-{number}', 'wb') as out:\n"
        "            out.write(b'x' * (60 * 1024**2))\n"
        "    with open('more', 'ab') as out:\n"
        "        out.write(b'x' * 1024**2)\n"
        "    return x if x > 0.0 else 0.0\n"
    )
    sabotage_relu(solved_tree, body)
    report = grade(
        course, as_submission(solved_tree), task_ids=["0.1", "0.4"], options=GradingOptions(time_budget_s=BUDGET_S)
    )
    relu = [t for t in report.tasks[0].tests if t.name.endswith("::test_relu")]
    assert relu and relu[0].status == "error"
    assert "disk quota (256 MiB for the grading tree)" in (relu[0].message or "")
    assert report.tasks[1].score == 10, "the other task is still graded"


def test_hidden_tests_run_apart_and_their_text_never_comes_back(course: Course, solved_tree: Path) -> None:
    """relu reads the hidden tests where it can and raises a class whose name carries their text."""
    body = (
        "    import base64, os\n"
        "    source = 'tests/hidden/test_module0_hidden.py'\n"
        "    if os.path.exists(source):\n"
        "        chunk = base64.b32encode(open(source, 'rb').read()[:40]).decode().strip('=')\n"
        "        raise type(chunk + 'Error', (Exception,), {})(open(source).read()[:800])\n"
        "    return x if x > 0.0 else 0.0\n"
    )
    sabotage_relu(solved_tree, body)
    report = grade(course, as_submission(solved_tree), task_ids=["0.1"], options=GradingOptions(time_budget_s=BUDGET_S))
    task = report.tasks[0]
    public = [t for t in task.tests if not t.hidden]
    assert public and all(t.passed for t in public), "the public child has no hidden file to read"
    hidden = [t for t in task.tests if t.name.startswith("tests/hidden/") and not t.passed]
    assert hidden and {t.message for t in hidden} == {"an exception in a hidden test"}
    checks = [t for t in task.tests if t.name.startswith("checks/") and not t.passed]
    assert checks and {t.message for t in checks} == {"an exception raised"}, "the trusted checks ran there too"
    text = _report_text(report)
    leaked = base64.b32encode(HIDDEN_FILE.read_bytes()[:40]).decode().strip("=")
    assert leaked[:16] not in text and "def test_" not in text


STUDENT_TESTS = """import base64, inspect
import minitorch.operators

def _smuggle():
    chunk = base64.b32encode(inspect.getsource(minitorch.operators).encode()[:60]).decode().strip("=")
    raise type(chunk + "Error", (Exception,), {{}})(inspect.getsource(minitorch.operators)[:900])

{at_import}
def test_sigmoid():
    _smuggle()

def test_transitive():
    _smuggle()

def test_symmetric():
    _smuggle()

def test_distribute():
    _smuggle()

def test_other():
    _smuggle()
"""


@pytest.mark.parametrize("at_import", ["", "_smuggle()"], ids=["in-tests", "at-import"])
def test_student_tests_carry_no_reference_source_out(course: Course, stub_tree: Path, at_import: str) -> None:
    (stub_tree / "tests/test_operators.py").write_text(STUDENT_TESTS.format(at_import=at_import))
    report = grade(course, as_submission(stub_tree), task_ids=["0.2"], options=GradingOptions(time_budget_s=BUDGET_S))
    assert report.score == 0
    source = (REPO / "reference/minitorch/operators.py").read_bytes()
    leaked = base64.b32encode(source[:60]).decode().strip("=")
    text = _report_text(report)
    assert leaked[:16] not in text and "def mul" not in text and "Task 0.1" not in text
    failures = [t.message or "" for t in report.tasks[0].tests if t.name.endswith("[passes]")]
    assert failures and all(m.startswith("fails on the reference solution: ") for m in failures)
    vocabulary = {"an exception", "the test file could not be collected", "no such test found"}
    assert {m.removeprefix("fails on the reference solution: ") for m in failures} <= vocabulary


def test_student_tests_and_the_library_never_share_a_kernel_cache(
    course: Course, solved_tree: Path, tmp_path: Path
) -> None:
    tasks = [course.task("0.1"), course.task("0.2")]
    items = expected_tests(course, tmp_path)
    for submission, shared in ((as_submission(solved_tree), False), (reference_submission(course), True)):
        workdir = tmp_path / ("shared" if shared else "private")
        workdir.mkdir()
        kernels = shared_cache(course) if shared else workdir / "kernels"
        kernels.mkdir(parents=True, exist_ok=True)
        sandbox = sandbox_for(course, kernels=kernels)
        run = GradingRun(course, submission, tuple(tasks), items, "simulator", kernels, shared, sandbox, threads=1)
        context, _ = prepare_context(run, workdir)
        assert context.student_tests is not None and context.hidden is not None
        mine, theirs = context.public.sandbox.writable, context.student_tests.sandbox.writable
        assert (mine == theirs) is shared, "only trusted code shares the persistent cache"
        assert context.student_tests.env.get("NUMBA_CACHE_DIR", str(kernels)) == str(theirs[0])
        assert not (context.public.pristine / "tests/hidden").exists()
        assert (context.hidden.pristine / "tests/hidden").is_dir() and context.hidden.secret
        released = (context.public.pristine / "tests/test_operators.py").read_text()
        assert "BEGIN SOLUTION" not in released and "Task 0.2" in released, "public trees hold released tests"
