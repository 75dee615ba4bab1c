"""The parent's end of a child's events pipe (see :mod:`autograder.child.pytest_plugin` for what a child writes).

A child may write anything there: the reader keeps at most
:data:`EVENTS_LIMIT` bytes of it, skips lines that are not JSON objects,
and drops a line longer than :data:`EVENT_LINE_LIMIT`.
"""

from __future__ import annotations

import json
import os
from typing import Any

EVENTS_LIMIT = 16 * 1024**2  # what the parent reads of one child's event stream
EVENT_LINE_LIMIT = 1024**2


class EventReader:
    """Reads complete JSON lines from the pipe a child writes its events to, up to :data:`EVENTS_LIMIT`."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.total = 0
        self.partial = b""

    def read(self) -> list[dict[str, Any]]:
        """The events that arrived since the last call; a line still being written waits for the next."""
        chunks = []
        while self.total < EVENTS_LIMIT:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.total += len(chunk)
            chunks.append(chunk)
        lines = (self.partial + b"".join(chunks)).split(b"\n")
        self.partial = lines.pop()
        if len(self.partial) > EVENT_LINE_LIMIT:
            self.partial = b""
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
        return events

    def close(self) -> None:
        """Close the pipe."""
        os.close(self.fd)
