"""The course's grading engine: manifests, release, grading and verification."""

__version__ = "0.1.0"
