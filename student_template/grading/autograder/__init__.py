"""The course's grading engine: manifests, release, grading and verification, one room (subpackage) per job."""

__version__ = "0.1.0"

# The rooms only the course staff run: a student tree's copy of the grader leaves them out (with the tests).
STAFF_ROOMS = ("authoring", "audit", "classroom")
TESTS = "tests"
