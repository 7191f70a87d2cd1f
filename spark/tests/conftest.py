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
