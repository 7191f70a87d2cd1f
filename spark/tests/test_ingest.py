from __future__ import annotations

from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from kindling_job.columns import LABEL, LABEL_VALUE
from kindling_job.errors import (
    EmptyDataError,
    InputNotFoundError,
    MissingColumnError,
    SingleClassError,
    TooManyClassesError,
)
from kindling_job.ingest import (
    PARTITION_BYTES,
    InputStats,
    check_usable,
    data_columns,
    default_partitions,
    input_stats,
    prepare,
    read_input,
)
from kindling_job.rejects import CORRUPT
from kindling_job.spec import CsvOptions, InputSpec

from .helpers import write_csv

SCHEMA = StructType(
    [StructField("text", StringType()), StructField("label", StringType()), StructField("id", StringType())]
)


def csv_input(uri: str, **csv: object) -> InputSpec:
    return InputSpec(uri, "csv", "text", "label", CsvOptions(**csv))  # type: ignore[arg-type]


def test_csv_with_multiline_quoted_fields_and_escaped_quotes(spark: SparkSession, tmp_path: Path) -> None:
    rows = [('line one\nline "two", with comma', "spam"), ("plain", "ham")]
    df = read_input(spark, csv_input(write_csv(tmp_path / "d.csv", rows)))
    assert df.columns == ["text", "label", CORRUPT]  # the corrupt-record column marks malformed rows
    assert sorted(tuple(r) for r in df.select(*data_columns(df)).collect()) == sorted(rows)


def test_csv_options_come_from_the_spec(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "d.tsv"
    path.write_text("text\tlabel\n'a\tb'\tx\n", encoding="utf-8")
    spec = csv_input(str(path), delimiter="\t", quote="'", escape="\\", multiline=False)
    row = read_input(spark, spec).first()
    assert row is not None
    assert tuple(row) == ("a\tb", "x", None)


def test_missing_column_lists_the_columns_that_exist(spark: SparkSession, tmp_path: Path) -> None:
    uri = write_csv(tmp_path / "d.csv", [("t", "l")], header=("review", "sentiment"))
    with pytest.raises(MissingColumnError) as info:
        read_input(spark, csv_input(uri))
    assert str(info.value) == (
        "text column 'text' not found in the input; available columns: 'review', 'sentiment'"
    )
    assert info.value.available == ["review", "sentiment"]


def test_missing_input(spark: SparkSession, tmp_path: Path) -> None:
    with pytest.raises(InputNotFoundError, match="input not found"):
        read_input(spark, csv_input((tmp_path / "absent.csv").as_uri()))


def test_parquet_input(spark: SparkSession, tmp_path: Path) -> None:
    uri = str(tmp_path / "d.parquet")
    spark.createDataFrame([("t", 1)], ["text", "label"]).write.parquet(uri)
    spec = InputSpec(uri, "parquet", "text", "label", CsvOptions())
    assert read_input(spark, spec).columns == ["text", "label"]


def test_input_stats_one_pass_counts(spark: SparkSession) -> None:
    df = spark.createDataFrame(
        [
            ("a", "ham", None),
            ("b", "spam", "2"),
            ("c", "ham", "3"),
            (None, "spam", "4"),  # dropped: no text
            ("d", None, "5"),  # dropped: no label
            ("e", "news", "6"),
            ("f", "spam", "7"),
        ],
        SCHEMA,
    )
    stats = input_stats(df, "text", "label")
    assert stats == InputStats(
        rows=7,
        null_counts={"text": 1, "label": 1, "id": 1},
        null_dropped=2,
        class_balance={"ham": 2, "spam": 2, "news": 1},  # by count, then by label
    )
    assert stats.used == 5
    assert stats.labels == ["ham", "spam", "news"]


def test_check_usable_errors(spark: SparkSession) -> None:
    spec = csv_input("file:///d.csv")
    with pytest.raises(EmptyDataError, match="input has no rows"):
        check_usable(InputStats(0, {}, 0, {}), spec)
    with pytest.raises(EmptyDataError, match="all 3 rows have a null 'text' or 'label'"):
        check_usable(InputStats(3, {"text": 3}, 3, {}), spec)
    with pytest.raises(SingleClassError, match=r"'label' has 1 distinct value\(s\) \('ham'\)"):
        check_usable(InputStats(3, {}, 0, {"ham": 3}), spec)


def test_too_many_classes(spark: SparkSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kindling_job.ingest.MAX_CLASSES", 3)
    df = spark.createDataFrame([(str(i), str(i), None) for i in range(5)], SCHEMA)
    with pytest.raises(TooManyClassesError, match="more than 3 distinct values"):
        input_stats(df, "text", "label")


def test_prepare_keeps_usable_rows_and_indexes_labels(spark: SparkSession) -> None:
    df = spark.createDataFrame(
        [("a", "spam", "1"), ("b", "ham", "2"), ("c", "ham", "3"), (None, "ham", "4"), ("e", None, "5")],
        SCHEMA,
    )
    prepared = prepare(df, csv_input("x"), ["ham", "spam"], partitions=3)
    try:
        assert prepared.rdd.getNumPartitions() == 3
        expected = spark.createDataFrame(
            [("a", "spam", 1.0), ("b", "ham", 0.0), ("c", "ham", 0.0)],
            StructType(
                [
                    StructField("text", StringType()),
                    StructField(LABEL_VALUE, StringType()),
                    StructField(LABEL, DoubleType()),
                ]
            ),
        )
        assert_df_equality(
            prepared, expected, ignore_row_order=True, ignore_nullable=True, ignore_metadata=True
        )
        # Every label travels as metadata, so models size their outputs for all classes.
        assert prepared.schema[LABEL].metadata["ml_attr"]["vals"] == ["ham", "spam"]
    finally:
        prepared.unpersist()


@pytest.mark.parametrize(
    ("input_bytes", "cores", "expected"),
    [
        (0, 2, 4),  # small inputs: two waves of tasks
        (PARTITION_BYTES * 3, 2, 4),
        (PARTITION_BYTES * 5, 2, 6),  # 5 partitions by size, rounded up to a multiple of the cores
        (PARTITION_BYTES * 50 + 1, 2, 52),
        (PARTITION_BYTES * 50, 8, 56),
    ],
)
def test_default_partitions_follow_input_size_and_cores(input_bytes: int, cores: int, expected: int) -> None:
    assert default_partitions(input_bytes, cores) == expected
