"""One SparkSession for the whole suite: local[2], two shuffle partitions, no UI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

# Python UDFs (e.g. the rejects' reasons) are unpickled in Spark's Python workers, which see only the
# JVM's environment: pytest's `pythonpath` setting reaches the driver, not them.
SPARK_DIR = str(Path(__file__).resolve().parents[1])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `observes` run last. On Spark 4.0.2, once a session has used an Observation (predict
    counts its rows with one) its ObservationManager is created, and it is not serializable; a logistic
    regression model trained afterwards in that session keeps the session in its training summary, so
    scoring with it fails with "Task not serializable". A job is one process and never trains after it
    predicts; only this suite's shared session meets it, so observing tests go after every other."""
    items.sort(key=lambda item: item.get_closest_marker("observes") is not None)


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SPARK_DIR, os.environ.get("PYTHONPATH")) if p)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("kindling-job-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
