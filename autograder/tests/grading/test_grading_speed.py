"""What makes grading fast must not change what it measures: the kernel cache, task groups, example caps."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from autograder.audit.planted_bugs import check_bug, gradable, plant, run_planted_bugs, score_problems, task_scores
from autograder.child.pytest_plugin import TASK_MAX_EXAMPLES
from autograder.grading import run as run_module
from autograder.grading.context import UnrecordedChecks, checks_cache
from autograder.grading.grade import GradingOptions, grade, task_groups
from autograder.grading.kernel_cache import CACHE_VARIABLE, is_trusted
from autograder.grading.run import TASK_BUDGET_FACTOR, GradingRun, expected_tests, grading_environment, start_run
from autograder.grading.runner import ChildPlan, run_child
from autograder.grading.sandbox import Sandbox
from autograder.grading.trusted import Recorded, load_cached
from autograder.grading.workspace import copy_child_files
from autograder.manifest import Course, ManifestError, PlantedBug, load_course
from autograder.submission import Submission, reference_submission

from ..conftest import REPO

pytestmark = pytest.mark.slow  # grades the real course


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()
    }


def test_kernels_compiled_by_one_grading_are_loaded_by_the_next(
    course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two gradings build their trees in different temporary folders; the second compiles nothing."""
    cache = tmp_path / "kernels"
    monkeypatch.setenv(CACHE_VARIABLE, str(cache))
    first = grade(course, reference_submission(course), task_ids=["3.2"], options=GradingOptions(threads=1))
    assert first.score == first.max_score, first.tasks[0].tests
    assert first.environment["kernel_cache"] == "shared"
    indexes = sorted(p.name.split("-")[0] for p in cache.rglob("*.nbi"))
    assert "fast_ops._tensor_matrix_multiply" in indexes, indexes
    assert all("/tree/minitorch/" in str(p) for p in cache.rglob("*.nbi")), "kernels are keyed by their tree path"
    before = _snapshot(cache)
    second = grade(course, reference_submission(course), task_ids=["3.2"], options=GradingOptions(threads=1))
    assert second.score == second.max_score
    assert _snapshot(cache) == before, "the second grading compiled (wrote) kernels again"


def test_a_submission_that_is_not_the_course_own_gets_a_private_cache(
    course: Course, solved_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A student's code must not plant kernels in the cache the reference's gradings load."""
    cache = tmp_path / "kernels"
    monkeypatch.setenv(CACHE_VARIABLE, str(cache))
    student = Submission("student", (("", solved_tree),))
    assert not is_trusted(course, student)
    assert is_trusted(course, reference_submission(course))
    assert is_trusted(course, Submission("template", (("", course.template),)))
    report = grade(course, student, task_ids=["3.2"], options=GradingOptions(threads=1))
    assert report.score == report.max_score
    assert report.environment["kernel_cache"] == "private"
    assert not list(cache.rglob("*.nbi")), "the student's kernels went into the shared cache"


def test_reference_values_are_recorded_beside_the_grading_and_cached(
    course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no cached reference values, one child records them while the tasks run; scoring waits for it."""
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "kernels"))
    record = UnrecordedChecks.record

    def slow_record(self: UnrecordedChecks, run: GradingRun) -> dict[tuple[str, str], Recorded]:
        time.sleep(3.0)  # the last child to end: a task scored before it would find no reference values
        return record(self, run)

    monkeypatch.setattr(UnrecordedChecks, "record", slow_record)
    first = grade(course, reference_submission(course), task_ids=["0.1", "1.1"], options=GradingOptions(threads=2))
    assert first.score == first.max_score, [t for task in first.tasks for t in task.tests if t.status != "passed"]
    checks = {t.name.split("[")[0] for task in first.tasks for t in task.tests if t.name.startswith("checks/")}
    assert len(checks) == 3, checks
    assert {nodeid for nodeid, _ in load_cached(checks_cache(course)) or {}} == checks

    def no_record(self: UnrecordedChecks, run: GradingRun) -> dict[tuple[str, str], Recorded]:
        raise AssertionError("the reference ran again although its values were cached")

    monkeypatch.setattr(UnrecordedChecks, "record", no_record)
    second = grade(course, reference_submission(course), task_ids=["0.1", "1.1"], options=GradingOptions(threads=2))
    assert second.score == second.max_score


def test_the_course_is_collected_once_per_version_and_kept_beside_the_kernel_cache(
    course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A grading process that finds the collection of this version of the course runs no collecting child."""
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "kernels"))
    monkeypatch.setattr(run_module, "_EXPECTED_CACHE", {})
    (tmp_path / "first").mkdir()
    items = expected_tests(course, tmp_path / "first")
    kept = list((tmp_path / f"{course.name}-tests").glob("*.json"))
    assert len(kept) == 1 and items, kept
    monkeypatch.setattr(run_module, "_EXPECTED_CACHE", {})

    def no_collect(*args: object, **kwargs: object) -> None:
        raise AssertionError("collected again")

    monkeypatch.setattr(run_module, "collect", no_collect)
    assert expected_tests(course, tmp_path) == items
    kept[0].write_text("[not json", encoding="utf-8")  # unreadable: collected again, not trusted
    monkeypatch.setattr(run_module, "_EXPECTED_CACHE", {})
    with pytest.raises(AssertionError, match="collected again"):
        expected_tests(course, tmp_path)


def test_a_module_shares_a_child_and_training_and_cuda_tasks_get_their_own(course: Course) -> None:
    groups = task_groups(course.tasks)
    by_task = {task.id: [t.id for t in group] for group in groups for task in group}
    assert by_task["0.1"] == ["0.1", "0.2", "0.3", "0.4", "0.5"]
    assert by_task["1.5"] == ["1.5"] and by_task["2.5"] == ["2.5"]
    assert by_task["3.3"] == ["3.3", "3.4"] and "3.3" not in by_task["3.1"]
    assert sorted(t.id for g in groups for t in g) == sorted(t.id for t in course.tasks), "every task exactly once"
    budgets = [sum(t.time_budget_s for t in g) for g in groups]
    assert budgets == sorted(budgets, reverse=True), "longest first"


def test_a_grouped_child_still_stops_a_hung_test_after_its_own_task_budget(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "tests").mkdir(parents=True)
    copy_child_files(tree)
    (tree / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (tree / "tests" / "test_x.py").write_text(
        "import time\n\ndef test_quick():\n    time.sleep(1.5)\n\ndef test_hangs():\n    time.sleep(60)\n"
    )
    quick, hangs = "tests/test_x.py::test_quick", "tests/test_x.py::test_hangs"
    plan = ChildPlan(tree, Sandbox("subprocess"), test_budget_s=5.0, budgets={quick: 1.0, hangs: 2.0})
    run = run_child(plan, [quick, hangs], 30.0)
    finished = [e["nodeid"] for e in run.events if e.get("event") == "finish"]
    assert run.timed_out and finished == [], "test_quick ran past its own 1 s budget and was stopped"
    run = run_child(dataclasses.replace(plan, budgets={quick: 3.0, hangs: 2.0}), [quick, hangs], 30.0)
    finished = [e["nodeid"] for e in run.events if e.get("event") == "finish"]
    assert run.timed_out and finished == [quick], "test_hangs is stopped by its 2 s budget, well before 60 s"
    assert TASK_BUDGET_FACTOR > 1


def test_a_task_example_cap_reaches_only_its_tests(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "tests").mkdir(parents=True)
    copy_child_files(tree)
    markers = "markers =\n    task9_1: t\n    task9_2: t\n"
    (tree / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n" + markers)
    (tree / "tests" / "test_x.py").write_text(
        "import os\nimport pytest\nfrom hypothesis import given, strategies as st\n\n"
        "@pytest.mark.task9_1\n@given(st.integers())\ndef test_capped(x):\n"
        "    open(os.environ['COUNT'] + '.capped', 'a').write('x')\n\n"
        "@pytest.mark.task9_2\n@given(st.integers())\ndef test_free(x):\n"
        "    open(os.environ['COUNT'] + '.free', 'a').write('x')\n"
    )
    count = str(tmp_path / "count")
    env = {"AUTOGRADER_MAX_EXAMPLES": "40", TASK_MAX_EXAMPLES: "task9_1=7", "COUNT": count}
    run = run_child(ChildPlan(tree, Sandbox("subprocess"), env), ["tests"], 60.0)
    assert run.returncode == 0, run.output_tail
    assert len(Path(count + ".capped").read_text()) == 7
    assert len(Path(count + ".free").read_text()) == 40


def test_the_grading_environment_names_each_task_cap_and_the_cache(course: Course, tmp_path: Path) -> None:
    tasks = [dataclasses.replace(course.task("0.1"), max_examples=7), course.task("3.3")]
    env = grading_environment(tasks, 50, 1, "simulator", tmp_path)
    assert env[TASK_MAX_EXAMPLES] == "task0_1=7", "only the task that sets a cap names one"
    assert env["NUMBA_CACHE_DIR"] == str(tmp_path)
    assert env["NUMBA_CACHE_LOCATOR_CLASSES"].startswith("_autograder_numba.TreeCacheLocator,")
    assert env["AUTOGRADER_MAX_EXAMPLES"] == "50" and env["NUMBA_NUM_THREADS"] == "1"
    expected = ",".join(f"{t.marker}={t.max_examples}" for t in tasks if t.max_examples)
    assert env[TASK_MAX_EXAMPLES] == expected
    assert os.pathsep not in env[TASK_MAX_EXAMPLES]


def _bug(**fields: str) -> PlantedBug:
    base = {"name": "b", "task": "0.4", "file": "minitorch/module.py", "description": "d"}
    return PlantedBug(**(base | fields))  # type: ignore[arg-type]


def test_a_planted_bug_is_caught_and_a_harmless_change_survives(course: Course, tmp_path: Path) -> None:
    run = start_run(course, reference_submission(course), [], tmp_path, threads=1)
    real = _bug(name="eval_leaves_children", find="            child.eval()", replace="            pass")
    caught = check_bug(run, real, tmp_path / "real")
    assert caught.caught and caught.by is not None and "(failed)" in caught.by
    harmless = _bug(name="docstring", find="Set this module and every descendant to training mode.", replace="Train.")
    survived = check_bug(run, harmless, tmp_path / "harmless")
    assert not survived.caught and survived.by is None
    scores = task_scores(course, [caught, survived], ["0.4"])
    assert [(s.task, s.caught, s.planted, s.survivors) for s in scores] == [("0.4", 1, 2, ("docstring",))]
    assert score_problems(scores) == ["0.4: caught 1/2 (50%, below 90%); survived: docstring"]


def test_a_bug_whose_text_is_not_in_the_reference_is_a_manifest_error(course: Course, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"bug 'b': its find text occurs 0 times in .*module.py, not once"):
        plant(course, _bug(find="no such text", replace="x"), tmp_path)
    with pytest.raises(ManifestError, match="occurs 2 times"):
        plant(course, _bug(find="self.training = ", replace="x"), tmp_path)


def test_every_gradable_task_has_planted_bugs(course: Course) -> None:
    """``make verify`` measures them; a task without any would have no score."""
    planted = {b.task for m in course.modules for b in m.planted_bugs}
    missing = [t.id for t in course.tasks if gradable(t) and t.id not in planted]
    assert missing == [], f"tasks without planted bugs: {missing}"
    assert not gradable(course.task("0.2")) and not gradable(course.task("1.6"))


def test_make_mutation_remembers_which_test_caught_each_bug(tmp_path: Path) -> None:
    """The next run starts with that test; a hint naming no test of the task is ignored."""
    root = tmp_path / "course"
    shutil.copytree(REPO / "assignments", root / "assignments")
    for name in ("reference", "student_template"):
        (root / name).symlink_to(REPO / name)
    caught_file = root / "assignments" / "module0" / "planted_bugs.caught.json"
    caught_file.unlink(missing_ok=True)
    course = load_course(root / "assignments")
    first = run_planted_bugs(course, ["0.4"], jobs=2, record=True)
    assert all(o.caught for o in first)
    hints = json.loads(caught_file.read_text())
    assert hints == {o.bug.name: o.first_failure for o in first}
    hints["train_not_recursive"] = "tests/test_module.py::test_no_such_test"
    public = "tests/test_module.py::test_train_eval"
    assert hints["eval_not_recursive"] != public, "without a hint a hidden test comes first"
    hints["eval_not_recursive"] = public
    caught_file.write_text(json.dumps(hints))
    again = {o.bug.name: o for o in run_planted_bugs(course, ["0.4"], jobs=2)}
    assert all(o.caught for o in again.values())
    assert again["eval_not_recursive"].first_failure == public, "the remembered test ran first"
    before = {o.bug.name: o.first_failure for o in first}
    assert again["train_not_recursive"].first_failure == before["train_not_recursive"], "the usual order"
    assert json.loads(caught_file.read_text())["eval_not_recursive"] == public, "only `make mutation` rewrites it"
