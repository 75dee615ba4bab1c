"""The few git operations a release and an upgrade need, run with the ``git`` command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# Used when the user has no git identity configured (a fresh machine, a CI runner).
FALLBACK_IDENTITY = ("-c", "user.name=minitorch course", "-c", "user.email=course@minitorch.invalid")


class GitError(RuntimeError):
    """A git command failed; the message names the folder and git's own words."""


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if shutil.which("git") is None:
        raise GitError(f"{repo}: git is not installed")
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise GitError(f"{repo}: git {args[0]} failed: {detail[-1] if detail else f'exit {done.returncode}'}")
    return done


def is_work_tree(repo: Path) -> bool:
    """Whether ``repo`` is the top of a git work tree."""
    if shutil.which("git") is None or not (repo / ".git").exists():
        return False
    return _git(repo, "rev-parse", "--is-inside-work-tree", check=False).stdout.strip() == "true"


def uncommitted(repo: Path) -> list[str]:
    """Paths with changes that are not committed, untracked files included (ignored ones are not)."""
    lines = _git(repo, "status", "--porcelain", "--untracked-files=all").stdout.splitlines()
    return [line[3:] for line in lines if line.strip()]


def init(repo: Path) -> None:
    """Make ``repo`` a git repository (on branch ``main``)."""
    _git(repo, "init", "--quiet", "--initial-branch=main")


def commit_all(repo: Path, message: str) -> str | None:
    """Commit every change in ``repo``; return the new commit's short hash, or None if nothing changed."""
    _git(repo, "add", "--all")
    if _git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return None
    identity: tuple[str, ...] = ()
    if not _git(repo, "config", "user.email", check=False).stdout.strip():
        identity = FALLBACK_IDENTITY
    _git(repo, *identity, "commit", "--quiet", "--no-verify", "-m", message)
    return _git(repo, "rev-parse", "--short", "HEAD").stdout.strip()
