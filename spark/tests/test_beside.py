"""Word2Vec's one-partition feature set trains on a thread beside the others: the same metrics as one after
another, and a failure on either side stops the other and is the one reported."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from py4j.protocol import Py4JJavaError
from pyspark.sql import SparkSession

from kindling_job import main as job_main
from kindling_job.beside import run_beside
from kindling_job.features import split_beside
from kindling_job.spec import FeatureSet, parse_spec

from .helpers import corpus, quick_spec, run_job, seed_spec, write_csv


def in_order(sets: Sequence[FeatureSet], cores: int) -> tuple[tuple[FeatureSet, ...], tuple[FeatureSet, ...]]:
    return tuple(sets), ()


@pytest.mark.usefixtures("spark")
def test_training_beside_gives_the_metrics_of_one_set_after_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write_csv(tmp_path / "data.csv", list(corpus(80, ["spam", "ham"])))
    code, beside_events = run_job(quick_spec(data, tmp_path / "beside"), tmp_path / "beside")
    assert code == 0, beside_events
    with monkeypatch.context() as m:
        m.setattr(job_main, "split_beside", in_order)
        code, events = run_job(quick_spec(data, tmp_path / "in-order"), tmp_path / "in-order")
    assert code == 0, events

    def started(evs: list[dict[str, Any]]) -> list[str]:
        return [e["stage"] for e in evs if e["event"] == "stage_start"]

    # The runs did differ in how they trained: Word2Vec's fit started before tfidf's only beside.
    beside = started(beside_events)
    assert beside.index("featurize:word2vec") < beside.index("featurize:tfidf")
    assert started(events).index("featurize:word2vec") > started(events).index("evaluate:tfidf")
    metrics = [json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("beside", "in-order")]
    assert metrics[0] == metrics[1]
    assert list(metrics[0]["feature_sets"]) == ["hashing_tf", "tfidf", "word2vec"]  # the spec's order


def test_only_a_one_partition_word2vec_goes_beside_and_only_with_cores_to_spare() -> None:
    doc = seed_spec()
    sets = parse_spec(doc).feature_sets
    names = [[fs.name for fs in side] for side in split_beside(sets, cores=2)]
    assert names == [["hashing_tf", "tfidf"], ["word2vec"]]
    assert [len(side) for side in split_beside(sets, cores=1)] == [3, 0]
    assert [len(side) for side in split_beside(sets[2:], cores=2)] == [1, 0]  # nothing to go beside
    doc["feature_sets"][2]["num_partitions"] = None  # auto: every core fits it
    assert [len(side) for side in split_beside(parse_spec(doc).feature_sets, cores=2)] == [3, 0]


def slow_job(spark: SparkSession) -> None:
    """A job that runs until cancelled (far longer than any test waits)."""
    spark.sparkContext.parallelize(range(2), 2).foreach(lambda _: time.sleep(600))


def until_a_job_runs(spark: SparkSession) -> None:
    """Cancelling a tag cancels the jobs running with it, not those submitted later."""
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + 120
    while not tracker.getActiveJobsIds():
        assert time.monotonic() < deadline, "the slow job never started"
        time.sleep(0.1)


@pytest.mark.parametrize("failing", ["side", "main"])
def test_the_first_failure_cancels_the_other_sides_jobs_and_is_the_one_raised(
    spark: SparkSession, failing: str
) -> None:
    cancelled: list[BaseException] = []

    def runs_until_cancelled() -> None:
        try:
            slow_job(spark)
        except BaseException as e:
            cancelled.append(e)
            raise

    def fails() -> None:
        until_a_job_runs(spark)
        raise ValueError(f"the {failing} side failed")

    work = {"side": fails, "main": runs_until_cancelled}
    if failing == "main":
        work = {"side": runs_until_cancelled, "main": fails}
    with pytest.raises(ValueError, match=f"the {failing} side failed"):
        run_beside(spark.sparkContext, work["main"], work["side"])
    assert len(cancelled) == 1
    assert isinstance(cancelled[0], Py4JJavaError)
    assert "cancel" in str(cancelled[0].java_exception.toString()).lower()
    # The tags are gone with the work: later jobs of this thread are not cancelled with them.
    assert len(spark.sparkContext.getJobTags()) == 0
    assert spark.sparkContext.parallelize(range(3)).count() == 3
