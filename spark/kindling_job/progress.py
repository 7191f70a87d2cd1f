"""Progress inside cross-validation: one `cv_progress` event per fit it evaluates, with time left."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pyspark.ml.evaluation import Evaluator
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel
from pyspark.sql import DataFrame

from .events import EventLog


class CvProgress:
    """Counts the fits cross-validation evaluates (folds x grid points) and emits each as it ends.

    CrossValidator finishes every grid point of a fold before it starts the next fold, so the count alone
    says which fold is running. Time left is the mean time per fit so far times the fits to go; the final
    refit of the best grid point on the whole training split comes after and is not counted.
    """

    def __init__(
        self,
        events: EventLog,
        stage: str,
        folds: int,
        grid_points: int,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.events = events
        self.stage = stage
        self.folds = folds
        self.grid_points = grid_points
        self.total = folds * grid_points
        self.done = 0
        self.clock = clock
        self.started = clock()
        # CrossValidator evaluates grid points from `parallelism` threads at once.
        self._lock = threading.Lock()

    def fit_evaluated(self) -> None:
        with self._lock:
            self.done += 1
            done = self.done
            elapsed = self.clock() - self.started
            self.events.emit(
                "cv_progress",
                stage=self.stage,
                done=done,
                total=self.total,
                fold=min(self.folds, (done - 1) // self.grid_points + 1),
                folds=self.folds,
                elapsed=round(elapsed, 1),
                seconds_left=round(elapsed / done * (self.total - done), 1),
            )


class CountingEvaluator(Evaluator):
    """Evaluates with `inner` and then reports the evaluation: it changes no metric, only observes."""

    def __init__(self, inner: Evaluator, evaluated: Callable[[], None]) -> None:
        super().__init__()
        self.inner = inner
        self.evaluated = evaluated

    def _evaluate(self, dataset: DataFrame) -> float:
        value = self.inner.evaluate(dataset)
        self.evaluated()
        return value

    def isLargerBetter(self) -> bool:
        return self.inner.isLargerBetter()


def fit_with_progress(
    cv: CrossValidator, dataset: DataFrame, events: EventLog, stage: str
) -> CrossValidatorModel:
    """Fits `cv` on `dataset`, reporting each fit it evaluates as a `cv_progress` event of `stage`.

    The counting evaluator is there only while fitting: `cv` and the model it returns keep the real one,
    so either can still be saved (a Python-only evaluator has no Java side to save).
    """
    inner = cv.getEvaluator()
    progress = CvProgress(events, stage, cv.getNumFolds(), len(cv.getEstimatorParamMaps()))
    cv.setEvaluator(CountingEvaluator(inner, progress.fit_evaluated))
    try:
        model = cv.fit(dataset)
    finally:
        cv.setEvaluator(inner)
    model.set(model.evaluator, inner)
    return model
