"""The course and task manifests: loading and validation (the shared model; ships to students).

``course.toml`` names the modules and where the library lives;
``<module>/tasks.toml`` describes each task. Both are validated on load, and
every problem is reported as one :class:`ManifestError` line naming the file
and the key, for example ``assignments/module0/tasks.toml: task[2].points:
expected a positive number, got 'ten'``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .layout import CHECKS, STUDENT_TREE_ROOTS, TESTS
from .policies import LatePolicy as LatePolicy
from .policies import SubmitPolicy as SubmitPolicy
from .policies import read_late_policy, read_submit_policy
from .toml_tables import ManifestError as ManifestError
from .toml_tables import TableReader as _Reader
from .toml_tables import read_toml as _read_toml

TASK_ID = re.compile(r"^(\d+)\.(\d+)b?$")


EXTRA_MARKERS = {
    "cuda": "a CUDA kernel test: on a GPU when there is one, under numba's CUDA simulator otherwise",
    "simulator": "a CUDA test that counts what kernels do: under the simulator even on a GPU, in a child of its own",
}
SIMULATOR_MARKER = "simulator"


@dataclass(frozen=True)
class Mutant:
    """A deliberately broken version of some functions of a library module, used to grade student tests.

    Its file defines ``mutate(module)``, which returns the broken functions by name.
    """

    name: str
    file: Path
    target: str
    description: str


@dataclass(frozen=True)
class Variant(Mutant):
    """A correct but differently written version of some library functions: student tests must pass on it.

    Attributes:
        under_mutants: Whether every mutant run also gets this variant's
            functions for the ones the mutant leaves alone, so that a mutant
            run looks like this variant's run but for the broken function.
    """

    under_mutants: bool = False


@dataclass(frozen=True)
class PlantedBug:
    """A bug planted in the reference to measure a task's tests: they must catch it.

    Attributes:
        name: Unique within the module.
        task: The task whose tests must catch it.
        file: The student-tree file it changes (one of the task's files).
        find: Text that occurs exactly once in the reference's copy of ``file``.
        replace: What ``find`` becomes.
        description: What the bug is, in words.
    """

    name: str
    task: str
    file: str
    find: str
    replace: str
    description: str


@dataclass(frozen=True)
class StudentTest:
    """A test the student writes, graded by the mutants it must kill."""

    test: str
    file: str
    kills: tuple[str, ...] = ()
    kills_any: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainingTarget:
    """One dataset a training task must learn: the run and the accuracy it must reach.

    The grader's training test runs the student's trainer with exactly these
    settings (seeded, so the run is repeatable) and passes when the final
    accuracy is at least ``min_accuracy`` within ``max_seconds``.
    """

    dataset: str
    points: int
    hidden: int
    rate: float
    epochs: int
    seed: int
    min_accuracy: float
    max_seconds: float


@dataclass(frozen=True)
class Task:
    """One graded task of a module."""

    id: str
    title: str
    points: float
    marker: str
    files: tuple[str, ...]
    depends_on: tuple[str, ...]
    time_budget_s: float
    cuda: bool
    module: str
    hidden_tests: tuple[Path, ...] = ()
    student_tests: tuple[StudentTest, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)
    training: tuple[TrainingTarget, ...] = ()
    notebook: str | None = None
    extra_credit: bool = False  # its points come on top of the module's total
    max_examples: int | None = None  # caps Hypothesis examples of the task's tests

    @property
    def marker_id(self) -> str:
        """The task id as it appears in solution markers, e.g. ``task0_1``."""
        return "task" + self.id.replace(".", "_")


@dataclass(frozen=True)
class Module:
    """One module of the course: its manifest, tests, mutants and handout."""

    name: str
    number: int
    title: str
    root: Path
    tasks: tuple[Task, ...]
    mutants: dict[str, Mutant]
    handout: Path | None
    notebooks: tuple[Path, ...]
    variants: dict[str, Variant] = field(default_factory=dict)  # correct rewrites student tests must pass on
    due: dt.datetime | None = None  # submissions after it lose points by the course's late policy
    planted_bugs: tuple[PlantedBug, ...] = ()  # from planted_bugs.toml (staff only, never released)

    @property
    def public_tests(self) -> Path:
        """The folder of tests shipped to students."""
        return self.root / TESTS

    @property
    def checks(self) -> Path:
        """The folder of trusted checks (see :mod:`autograder.grading.trusted`); staff only, never released."""
        return self.root / CHECKS


@dataclass(frozen=True)
class Course:
    """The whole course as the grader sees it."""

    name: str
    version: str
    root: Path
    modules: tuple[Module, ...]
    common: Path | None
    template: Path
    reference: Path | None
    late: LatePolicy = LatePolicy()
    submit: SubmitPolicy = SubmitPolicy()  # how students hand work in, for their README

    @property
    def tasks(self) -> list[Task]:
        """Every task of every module, in course order."""
        return [task for module in self.modules for task in module.tasks]

    def task(self, task_id: str) -> Task:
        """Look a task up by id ("0.1")."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        known = ", ".join(t.id for t in self.tasks)
        raise ManifestError(f"{self.root / 'course.toml'}: no task {task_id!r} (known: {known})")

    def module_of(self, task: Task) -> Module:
        """The module a task belongs to."""
        return next(m for m in self.modules if m.name == task.module)

    @property
    def pytest_markers(self) -> list[tuple[str, str]]:
        """Every pytest marker the course's tests may use, with its description."""
        return [(t.marker, f"Task {t.id} {t.title}") for t in self.tasks] + list(EXTRA_MARKERS.items())

    @property
    def has_hidden_tests(self) -> bool:
        """Whether this is the instructor's course (hidden tests present)."""
        return any(task.hidden_tests for task in self.tasks)


def load_course(root: Path | str) -> Course:
    """Load and validate ``course.toml`` and every module manifest under ``root``."""
    root = Path(root).resolve()
    path = root / "course.toml"
    top = _Reader(path, _read_toml(path))
    top.check_keys({"course", "late", "submit"})
    course = _Reader(path, top.get("course", dict), "course")
    course.check_keys({"name", "version", "modules", "common", "template", "reference"})
    modules = tuple(_load_module(root / name) for name in course.strings("modules"))
    numbers = [m.number for m in modules]
    if len(set(numbers)) != len(numbers):
        raise course.fail("modules", f"two modules share an id: {numbers}")
    ids = [t.id for m in modules for t in m.tasks]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise course.fail("modules", f"task ids used twice: {', '.join(duplicated)}")
    for module in modules:
        for i, task in enumerate(module.tasks):
            for dep in task.depends_on:
                if dep not in ids:
                    raise ManifestError(f"{module.root / 'tasks.toml'}: task[{i}].depends_on: unknown task {dep!r}")
    common = course.get("common", str, None)
    reference = course.get("reference", str, None)
    return Course(
        name=course.get("name", str),
        version=course.get("version", str),
        root=root,
        modules=modules,
        common=(root / common).resolve() if common else None,
        template=(root / course.get("template", str)).resolve(),
        reference=(root / reference).resolve() if reference else None,
        late=read_late_policy(_Reader(path, top.get("late", dict, {}), "late")),
        submit=read_submit_policy(_Reader(path, top.get("submit", dict, {}), "submit")),
    )


def _load_module(root: Path) -> Module:
    path = root / "tasks.toml"
    top = _Reader(path, _read_toml(path))
    top.check_keys({"module", "task", "mutant", "variant"})
    info = _Reader(path, top.get("module", dict), "module")
    info.check_keys({"id", "title", "handout", "notebooks", "due"})
    number = info.get("id", int)
    mutants = _load_layers(top, "mutant", root)
    variants = _load_layers(top, "variant", root)
    tasks = tuple(_load_task(reader, root, number, mutants) for reader in top.tables("task"))
    if not tasks:
        raise top.fail("task", "a module needs at least one [[task]]")
    handout = info.get("handout", str, None)
    notebooks = info.strings("notebooks", [])
    for i, notebook in enumerate(notebooks):
        if not (root / notebook).is_file():
            raise info.fail(f"notebooks[{i}]", f"file not found: {root / notebook}")
    return Module(
        name=root.name,
        number=number,
        title=info.get("title", str),
        root=root,
        tasks=tasks,
        mutants=mutants,
        handout=root / handout if handout else None,
        notebooks=tuple(root / n for n in notebooks),
        variants={name: v for name, v in variants.items() if isinstance(v, Variant)},
        due=_due(info),
        planted_bugs=_load_planted_bugs(root, tasks),
    )


PLANTED_BUGS_FILE = "planted_bugs.toml"
# Which test caught each bug last time: `make mutation` writes it, and runs that test first.
CAUGHT_FILE = "planted_bugs.caught.json"


def _load_planted_bugs(root: Path, tasks: tuple[Task, ...]) -> tuple[PlantedBug, ...]:
    """The module's ``planted_bugs.toml``: ``[[bug]]`` tables; none when the file is absent."""
    path = root / PLANTED_BUGS_FILE
    if not path.is_file():
        return ()
    top = _Reader(path, _read_toml(path))
    top.check_keys({"bug"})
    by_id = {task.id: task for task in tasks}
    bugs: dict[str, PlantedBug] = {}
    for reader in top.tables("bug"):
        reader.check_keys({"name", "task", "file", "find", "replace", "description"})
        bug = PlantedBug(*(reader.get(key, str) for key in ("name", "task", "file", "find", "replace", "description")))
        if bug.name in bugs:
            raise reader.fail("name", f"bug {bug.name!r} defined twice")
        if bug.task not in by_id:
            raise reader.fail("task", f"no task {bug.task!r} in this module")
        if bug.file not in by_id[bug.task].files:
            raise reader.fail("file", f"{bug.file!r} is not one of task {bug.task}'s files")
        if not bug.find or bug.find == bug.replace:
            raise reader.fail("replace", "a bug must change some text")
        bugs[bug.name] = bug
    return tuple(bugs.values())


def _due(info: _Reader) -> dt.datetime | None:
    """The module's due date: a TOML date-time or an ISO 8601 string; UTC when it names no zone."""
    value: dt.datetime | str | None = info.get("due", (dt.datetime, str), None)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise info.fail("due", f"expected a date-time like 2026-12-15T23:59:00Z, got {value!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _load_layers(top: _Reader, kind: str, root: Path) -> dict[str, Mutant]:
    """The module's ``[[mutant]]`` or ``[[variant]]`` tables, by name; at most one variant under mutants."""
    found: dict[str, Mutant] = {}
    for reader in top.tables(kind):
        reader.check_keys({"name", "file", "target"} | ({"under_mutants"} if kind == "variant" else set()))
        name = reader.get("name", str)
        file = root / reader.get("file", str)
        if not file.is_file():
            raise reader.fail("file", f"file not found: {file}")
        if name in found:
            raise reader.fail("name", f"{kind} {name!r} defined twice")
        text = file.read_text(encoding="utf-8")
        description = text.split('"""')[1].strip() if text.startswith('"""') else name
        target = reader.get("target", str)
        if kind == "mutant":
            found[name] = Mutant(name, file, target, description)
            continue
        under = reader.get("under_mutants", bool, False)
        if under and any(isinstance(v, Variant) and v.under_mutants for v in found.values()):
            raise reader.fail("under_mutants", "only one variant of a module may lie under its mutants")
        found[name] = Variant(name, file, target, description, under)
    return found


def _load_task(reader: _Reader, root: Path, module_number: int, mutants: dict[str, Mutant]) -> Task:
    reader.check_keys(
        {
            "id", "title", "points", "marker", "files", "depends_on", "time_budget_s",
            "cuda", "hidden_tests", "student_tests", "weights", "training", "notebook", "extra_credit",
            "max_examples",
        }
    )  # fmt: skip
    task_id = reader.get("id", str)
    match = TASK_ID.match(task_id)
    if not match:
        raise reader.fail("id", f"expected a task id like '0.1', got {task_id!r}")
    if int(match.group(1)) != module_number:
        raise reader.fail("id", f"task {task_id} does not belong to module {module_number}")
    marker = reader.get("marker", str)
    if marker != "task" + task_id.replace(".", "_"):
        raise reader.fail("marker", f"expected 'task{task_id.replace('.', '_')}', got {marker!r}")
    points = reader.get("points", (int, float))
    if points <= 0:
        raise reader.fail("points", f"expected a positive number, got {points!r}")
    budget = reader.get("time_budget_s", (int, float))
    if budget <= 0:
        raise reader.fail("time_budget_s", f"expected a positive number, got {budget!r}")
    files = reader.strings("files")
    for i, file in enumerate(files):
        if not file.startswith(STUDENT_TREE_ROOTS) or ".." in Path(file).parts:
            raise reader.fail(f"files[{i}]", f"not a student-tree path: {file!r}")
    hidden = []
    for i, name in enumerate(reader.strings("hidden_tests", [])):
        hidden_path = root / name
        if not hidden_path.is_file():
            raise reader.fail(f"hidden_tests[{i}]", f"file not found: {hidden_path}")
        hidden.append(hidden_path)
    notebook = reader.get("notebook", str, None)
    if notebook is not None and notebook not in files:
        raise reader.fail("notebook", f"{notebook!r} is not among the task's files")
    weights = reader.get("weights", dict, {})
    for name, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise reader.fail(f"weights.{name}", f"expected a positive number, got {weight!r}")
    examples = reader.get("max_examples", int, None)
    if examples is not None and (isinstance(examples, bool) or examples < 1):
        raise reader.fail("max_examples", f"expected a positive whole number, got {examples!r}")
    return Task(
        id=task_id,
        title=reader.get("title", str),
        points=float(points),
        marker=marker,
        files=files,
        depends_on=reader.strings("depends_on", []),
        time_budget_s=float(budget),
        cuda=reader.get("cuda", bool, False),
        module=root.name,
        hidden_tests=tuple(hidden),
        student_tests=tuple(_load_student_test(r, mutants, files) for r in reader.tables("student_tests")),
        weights={k: float(v) for k, v in weights.items()},
        training=tuple(_load_training(r) for r in reader.tables("training")),
        notebook=notebook,
        extra_credit=reader.get("extra_credit", bool, False),
        max_examples=examples,
    )


def _load_training(reader: _Reader) -> TrainingTarget:
    keys = {"dataset", "points", "hidden", "rate", "epochs", "seed", "min_accuracy", "max_seconds"}
    reader.check_keys(keys)
    accuracy = reader.get("min_accuracy", (int, float))
    if not 0 < accuracy <= 1:
        raise reader.fail("min_accuracy", f"expected a fraction in (0, 1], got {accuracy!r}")
    for key in ("points", "hidden", "epochs"):
        if reader.get(key, int) <= 0:
            raise reader.fail(key, f"expected a positive integer, got {reader.get(key, int)!r}")
    return TrainingTarget(
        dataset=reader.get("dataset", str),
        points=reader.get("points", int),
        hidden=reader.get("hidden", int),
        rate=float(reader.get("rate", (int, float))),
        epochs=reader.get("epochs", int),
        seed=reader.get("seed", int),
        min_accuracy=float(accuracy),
        max_seconds=float(reader.get("max_seconds", (int, float))),
    )


def _load_student_test(reader: _Reader, mutants: dict[str, Mutant], files: tuple[str, ...]) -> StudentTest:
    reader.check_keys({"test", "file", "kills", "kills_any"})
    file = reader.get("file", str)
    if file not in files:
        raise reader.fail("file", f"{file!r} is not among the task's files")
    kills = reader.strings("kills", [])
    kills_any = reader.strings("kills_any", [])
    for key, names in (("kills", kills), ("kills_any", kills_any)):
        for i, name in enumerate(names):
            if name not in mutants:
                raise reader.fail(f"{key}[{i}]", f"unknown mutant {name!r}")
    if not kills and not kills_any:
        raise reader.fail("kills", "a student test must name at least one mutant to kill")
    return StudentTest(reader.get("test", str), file, kills, kills_any)
