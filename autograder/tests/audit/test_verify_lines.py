"""``make verify``'s lines: each check says ok or FAIL, when it was known, and its first problems."""

from __future__ import annotations

import re

from autograder.audit.verify import Check


def test_each_check_line_carries_its_outcome_and_time() -> None:
    lines: list[str] = []
    check = Check(lines.append)
    check("sound", [])
    check("unsound", [f"problem {n}" for n in range(22)])
    assert re.fullmatch(r"ok   sound \(\d+ s in\)", lines[0]), lines[0]
    assert re.fullmatch(r"FAIL unsound \(\d+ s in\)", lines[1]), lines[1]
    assert lines[2:4] == ["     problem 0", "     problem 1"] and lines[-1] == "     ... and 2 more"
    assert len(check.failures) == 1 and check.failures[0].startswith("unsound")
