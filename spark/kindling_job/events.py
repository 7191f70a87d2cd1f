"""The `@@kindling {json}` progress protocol on stdout, and stage timing."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

PREFIX = "@@kindling "


class EventLog:
    """Writes one protocol line per event and flushes it, so a reader sees progress as it happens."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.time) -> None:
        self._stream = stream
        self.clock = clock
        # Feature sets may train on two threads at once: a line is written whole or not yet.
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        # ASCII-only JSON: the line survives any stdout encoding (\u escapes decode the same).
        line = json.dumps({"event": event, **fields}, separators=(",", ":"))
        with self._lock:
            stream.write(PREFIX + line + "\n")
            stream.flush()


@dataclass
class StageTimer:
    """Times named stages, emits stage_start/stage_end, and remembers which stage failed first.

    Stages may run on two threads at once (feature sets beside each other): each ends on its own, and a
    failure in one can make the other fail too (its jobs cancelled), so the first failure is the one kept.
    """

    events: EventLog
    elapsed: Callable[[], float] = time.perf_counter
    stages: list[dict[str, Any]] = field(default_factory=list)
    failed: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.events.emit("stage_start", stage=name, ts=round(self.events.clock(), 3))
        start = self.elapsed()
        try:
            yield
        except BaseException:
            with self._lock:
                self.failed = self.failed or name
            raise
        seconds = round(self.elapsed() - start, 3)
        with self._lock:
            self.stages.append({"name": name, "seconds": seconds})
        self.events.emit("stage_end", stage=name, seconds=seconds)
