#!/usr/bin/env bash
# Run once, as root, by Gradescope when it builds the autograder image (Ubuntu
# 22.04 or 24.04): a Python >= 3.11 (installed when the image has none), a
# virtual environment with the grader's requirements, bubblewrap, and the
# unprivileged user that student code runs as (see run_autograder).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${AUTOGRADER_ROOT:-/autograder}
STUDENT_USER=${AUTOGRADER_STUDENT_USER:-autograder-student}
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
PYTHON=$(bash "$HERE/pick_python.sh" --install)
VERSION=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
echo "setup.sh: using $PYTHON (Python $VERSION)"
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get install -y -q "python$VERSION-venv"  # Ubuntu ships venv's pip bootstrap apart
fi
apt-get install -y -q bubblewrap

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install -q --upgrade pip
"$ROOT/venv/bin/python" -m pip install -q -r "$HERE/requirements.txt"

if ! id -u "$STUDENT_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$STUDENT_USER"
fi
