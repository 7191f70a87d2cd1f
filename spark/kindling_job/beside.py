"""Work on a second driver thread beside the main one: Word2Vec fits on one partition (one core, so its
vectors are the same on every run), and the other feature sets can use the cores it leaves idle meanwhile.

Spark runs jobs from separate threads at once, sharing the executors. Each side's jobs carry a job tag
(thread-local, inherited by the threads cross-validation starts), so the first failure cancels the other
side's jobs instead of leaving them to run on for nothing; that failure is the one raised.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pyspark import InheritableThread, SparkContext


@contextmanager
def tagged(sc: SparkContext, tag: str) -> Iterator[None]:
    """Jobs started by this thread (and the threads it starts) inside the block carry `tag`."""
    sc.addJobTag(tag)
    try:
        yield
    finally:
        sc.removeJobTag(tag)


class _FirstFailure:
    """The failure that came first; a failure it caused by cancelling the other side comes later."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def record(self, error: BaseException) -> bool:
        """True if `error` is the first."""
        with self._lock:
            if self.error is not None:
                return False
            self.error = error
            return True


def run_beside(sc: SparkContext, main: Callable[[], None], side: Callable[[], None]) -> None:
    """Runs `side` on a second thread while `main` runs on this one; returns when both have ended.

    Raises the first failure of either, after the other side has stopped (its Spark jobs cancelled).
    """
    run = uuid.uuid4().hex[:12]
    main_tag, side_tag = f"kindling-main-{run}", f"kindling-beside-{run}"
    first = _FirstFailure()

    def side_target() -> None:
        with tagged(sc, side_tag):
            try:
                side()
            except BaseException as e:  # noqa: BLE001 -- handed to the main thread, which raises it
                if first.record(e):
                    sc.cancelJobsWithTag(main_tag)

    # InheritableThread copies this thread's local properties (scheduler pool, tags) to the new one.
    thread = InheritableThread(target=side_target, name="kindling-beside")
    thread.start()
    try:
        with tagged(sc, main_tag):
            main()
    except BaseException as e:  # noqa: BLE001 -- raised below, once the side has stopped
        if first.record(e):
            sc.cancelJobsWithTag(side_tag)
    thread.join()
    if first.error is not None:
        raise first.error
