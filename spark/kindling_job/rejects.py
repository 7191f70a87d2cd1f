"""Malformed input rows: the column Spark's CSV reader fills for them, their reasons, and `rejects/`.

A CSV row whose number of fields differs from the header's is malformed. Spark's PERMISSIVE mode keeps
reading, pads or truncates the row and puts its raw text in the corrupt-record column; the job leaves such
rows out of training, counts them, writes them with the reason to `<output>/rejects/` (JSON lines) and
fails when their share is over `input.max_reject_fraction`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType

from .errors import TooManyRejectsError
from .spec import CsvOptions

# Spark fills it with the raw record of a malformed row; `kindling_` names are reserved for the job.
CORRUPT = "kindling_corrupt_record"
REJECTS = "rejects"
_SUCCESS_FILES = "mapreduce.fileoutputcommitter.marksuccessfuljobs"


def field_count(record: str | None, options: CsvOptions) -> int:
    """How many fields one raw CSV record has, with the spec's delimiter, quote and escape."""
    if record is None:
        return 0
    doubled = options.escape == options.quote
    reader = csv.reader(
        io.StringIO(record, newline=""),
        delimiter=options.delimiter,
        quotechar=options.quote,
        escapechar=None if doubled else options.escape,
        doublequote=doubled,
        strict=False,
    )
    try:
        rows = list(reader)
    except csv.Error:
        # e.g. a NUL byte; the record is malformed either way, the count is only a hint.
        return record.count(options.delimiter) + 1
    if not rows:
        return 0
    # An unquoted line break splits one record into several rows: their fields add up.
    return sum(len(r) for r in rows)


@contextmanager
def malformed_records(df: DataFrame, columns: list[str]) -> Iterator[DataFrame]:
    """
    The raw CSV's malformed rows (their corrupt-record column). Spark refuses a query of a raw CSV that
    needs only that column, and Spark 4 prunes any data column the query does not keep: the scan of the
    corrupt-record column with one data column is materialized first (on disk), and released after.
    """
    scanned = df.select(F.col(CORRUPT), F.col(f"`{columns[0]}`")).persist(StorageLevel.DISK_ONLY)
    try:
        yield scanned.where(F.col(CORRUPT).isNotNull()).select(CORRUPT)
    finally:
        scanned.unpersist()


def rejected_rows(bad: DataFrame, columns: list[str], options: CsvOptions) -> DataFrame:
    """The rows of `malformed_records`: `reason`, `fields` (found), `expected` and the raw `record`."""
    count = F.udf(lambda r: field_count(r, options), IntegerType())
    expected = len(columns)
    found = count(F.col(CORRUPT))
    return bad.select(
        F.concat(
            F.lit(f"expected {expected} fields ({', '.join(columns)}), found "), found.cast("string")
        ).alias("reason"),
        found.alias("fields"),
        F.lit(expected).alias("expected"),
        F.col(CORRUPT).alias("record"),
    )


def write_rejects(spark: SparkSession, rejects: DataFrame, uri: str) -> None:
    """One JSON-lines file under `uri` (line breaks inside records stay escaped), without Spark's _SUCCESS."""
    conf: Any = spark._jsc.hadoopConfiguration()
    previous = conf.get(_SUCCESS_FILES)
    # A `_SUCCESS` inside the run directory would read as "the run is complete".
    conf.set(_SUCCESS_FILES, "false")
    try:
        rejects.coalesce(1).write.mode("errorifexists").json(uri)
    finally:
        if previous is None:
            conf.unset(_SUCCESS_FILES)
        else:
            conf.set(_SUCCESS_FILES, previous)


def check_reject_share(rejected: int, rows: int, max_fraction: float, uri: str | None) -> None:
    """Fail when more than `max_fraction` of the rows were rejected."""
    if rows == 0 or rejected / rows <= max_fraction:
        return
    raise TooManyRejectsError(rejected, rows, max_fraction, uri)
