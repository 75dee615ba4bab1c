"""Where CUDA-marked tests run: on a GPU when the grading machine has one, under numba's simulator otherwise.

The mode is decided once per grading run, in the parent, and handed to
every child through its environment before the child imports numba:
``NUMBA_ENABLE_CUDASIM=1`` for the simulator, where a simulated thread
costs about a millisecond, so the plugin also caps Hypothesis examples for
``cuda`` tests (:data:`SIMULATOR_MAX_EXAMPLES`). ``AUTOGRADER_CUDA=gpu`` or
``=simulator`` forces a mode.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from ..child.pytest_plugin import CUDA_MAX_EXAMPLES

FORCE = "AUTOGRADER_CUDA"
MODES = ("gpu", "simulator")
SIMULATOR_MAX_EXAMPLES = 2
PROBE = "from numba import cuda; print(cuda.is_available())"


def gpu_present() -> bool:
    """Whether the machine shows an NVIDIA device node or driver tool (cheap; imports nothing)."""
    return os.path.exists("/dev/nvidiactl") or shutil.which("nvidia-smi") is not None


def cuda_mode() -> str:
    """``gpu`` when numba can use a GPU here, else ``simulator`` (or what ``$AUTOGRADER_CUDA`` forces)."""
    forced = os.environ.get(FORCE)
    if forced in MODES:
        return forced
    if not gpu_present():
        return "simulator"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    try:
        probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return "simulator"
    return "gpu" if probe.stdout.strip().endswith("True") else "simulator"


def child_environment(mode: str) -> dict[str, str]:
    """The variables a grading child needs for ``mode``."""
    if mode == "gpu":
        return {"NUMBA_ENABLE_CUDASIM": "0"}
    return {"NUMBA_ENABLE_CUDASIM": "1", CUDA_MAX_EXAMPLES: str(SIMULATOR_MAX_EXAMPLES)}


def device_nodes() -> list[str]:
    """The NVIDIA device files a confined child needs to reach the GPU."""
    return (
        sorted(os.path.join("/dev", n) for n in os.listdir("/dev") if n.startswith("nvidia")) if gpu_present() else []
    )
