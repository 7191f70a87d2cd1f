"""Read the input and prepare it: null report, class balance, label index, repartition, cache.

The source is scanned twice in total: once for one aggregate (row count, nulls per column and class counts
together), once to fill the cache of the prepared data. Nothing but small aggregates reaches the driver.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.errors import AnalysisException
from pyspark.ml.feature import StringIndexerModel
from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from .columns import LABEL, LABEL_VALUE, quote_identifier
from .compat import error_condition
from .errors import (
    EmptyDataError,
    InputNotFoundError,
    MissingColumnError,
    SingleClassError,
    SpecError,
    TooManyClassesError,
)
from .rejects import CORRUPT
from .spec import BINARY_CV_METRICS, CsvOptions, InputSpec

# More distinct labels than this almost always means the wrong column was named as the label.
MAX_CLASSES = 1000


def csv_reader(spark: SparkSession, c: CsvOptions) -> DataFrameReader:
    """A CSV reader with the spec's options; training and predict read text the same way."""
    return spark.read.options(
        header=c.header,
        sep=c.delimiter,
        quote=c.quote,
        escape=c.escape,
        multiLine=c.multiline,
        encoding=c.encoding,
    )


def read_input(spark: SparkSession, spec: InputSpec) -> DataFrame:
    """The input as Spark reads it (CSV columns are strings), after checking both columns exist.

    CSV is read in PERMISSIVE mode with a corrupt-record column (`rejects.CORRUPT`): a row whose field
    count differs from the header's keeps its raw text there, so it can be counted and rejected instead of
    being trained on padded or truncated.
    """
    try:
        if spec.format == "csv":
            reader = csv_reader(spark, spec.csv)
            header = reader.csv(spec.uri)
            require_columns(header, spec)
            # With column pruning Spark parses only the selected columns and may miss a wrong field count,
            # so the rows counted and the rows trained on could differ.
            spark.conf.set("spark.sql.csv.parser.columnPruning.enabled", "false")
            schema = StructType([*header.schema.fields, StructField(CORRUPT, StringType())])
            df = (
                reader.schema(schema)
                .options(mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
                .csv(spec.uri)
            )
        else:
            df = spark.read.parquet(spec.uri)
    except AnalysisException as e:
        if error_condition(e) == "PATH_NOT_FOUND":
            raise InputNotFoundError(spec.uri) from None
        raise
    require_columns(df, spec)
    return df


def data_columns(df: DataFrame) -> list[str]:
    """The input's own columns (without the corrupt-record column)."""
    return [c for c in df.columns if c != CORRUPT]


def _well_formed(df: DataFrame) -> Column:
    return F.col(CORRUPT).isNull() if CORRUPT in df.columns else F.lit(True)


def require_columns(df: DataFrame, spec: InputSpec) -> None:
    for role, name in (("text", spec.text_column), ("label", spec.label_column)):
        if name not in df.columns:
            raise MissingColumnError(role, name, df.columns)


def _col(name: str) -> Column:
    return F.col(quote_identifier(name))


@dataclass(frozen=True)
class InputStats:
    rows: int  # every row read, malformed ones included
    null_counts: dict[str, int]  # of well-formed rows
    null_dropped: int  # well-formed rows without text or label
    class_balance: dict[str, int]  # most frequent first, ties by label; rows with text and label only
    rejected: int = 0  # malformed rows (CSV field count), left out of everything else

    @property
    def used(self) -> int:
        return sum(self.class_balance.values())

    @property
    def labels(self) -> list[str]:
        return list(self.class_balance)


def input_stats(df: DataFrame, text_column: str, label_column: str) -> InputStats:
    """One groupBy over the label computes every count the job reports (malformed rows group with null)."""
    ok = _well_formed(df)
    label = F.when(ok, _col(label_column).cast("string"))
    columns = data_columns(df)
    per_label = df.groupBy(label.alias(LABEL_VALUE)).agg(
        F.count(F.lit(1)).alias("_rows"),
        F.count_if(ok & _col(text_column).isNotNull()).alias("_usable"),
        F.count_if(~ok).alias("_rejected"),
        *[F.count_if(ok & _col(c).isNull()).alias(f"_null_{i}") for i, c in enumerate(columns)],
    )
    groups = per_label.limit(MAX_CLASSES + 2).collect()  # one group per label, plus the null label
    if sum(1 for g in groups if g[LABEL_VALUE] is not None) > MAX_CLASSES:
        raise TooManyClassesError(label_column, MAX_CLASSES)
    rows = sum(g["_rows"] for g in groups)
    rejected = sum(g["_rejected"] for g in groups)
    null_counts = {c: sum(g[f"_null_{i}"] for g in groups) for i, c in enumerate(columns)}
    usable = [
        (g[LABEL_VALUE], g["_usable"]) for g in groups if g[LABEL_VALUE] is not None and g["_usable"] > 0
    ]
    usable.sort(key=lambda lc: (-lc[1], lc[0]))
    balance = dict(usable)
    return InputStats(rows, null_counts, rows - rejected - sum(balance.values()), balance, rejected)


def check_usable(stats: InputStats, spec: InputSpec) -> None:
    if stats.rows == 0:
        raise EmptyDataError(f"input has no rows: {spec.uri}")
    if stats.used == 0 and stats.rejected > 0:
        raise EmptyDataError(
            f"no usable rows: {stats.rejected} of {stats.rows} are malformed and the others have a null "
            f"{spec.text_column!r} or {spec.label_column!r}"
        )
    if stats.used == 0:
        raise EmptyDataError(
            f"all {stats.rows} rows have a null {spec.text_column!r} or {spec.label_column!r}; "
            "nothing to train on"
        )
    if len(stats.labels) < 2:
        raise SingleClassError(spec.label_column, stats.labels)


def check_metric_fits(metric: str, labels: list[str], label_column: str) -> None:
    """An area under a curve ranks one class against the other: it needs exactly two labels."""
    if metric in BINARY_CV_METRICS and len(labels) != 2:
        shown = ", ".join(repr(v) for v in labels[:5]) + (", …" if len(labels) > 5 else "")
        raise SpecError(
            f"training.cv.metric {metric} needs two labels, but {label_column!r} has {len(labels)} ({shown});"
            " use f1, accuracy, weightedPrecision or weightedRecall"
        )


def label_indexer(labels: list[str]) -> StringIndexerModel:
    """StringIndexer's model from known labels (no extra pass over the data); `label` carries all labels as
    metadata, so every model sizes its outputs for every class even if a split lacks one."""
    return StringIndexerModel.from_labels(
        labels, inputCol=LABEL_VALUE, outputCol=LABEL, handleInvalid="error"
    )


def usable_rows(df: DataFrame, text_column: str, label_column: str) -> DataFrame:
    """Well-formed rows with both text and label: the text column (its own name) and the label as a string."""
    return (
        df.where(_well_formed(df))
        .select(
            _col(text_column).cast("string").alias(text_column),
            _col(label_column).cast("string").alias(LABEL_VALUE),
        )
        .where(F.col(LABEL_VALUE).isNotNull() & _col(text_column).isNotNull())
    )


def indexed_rows(df: DataFrame, spec: InputSpec, labels: list[str]) -> DataFrame:
    """Usable rows with the label index."""
    return label_indexer(labels).transform(usable_rows(df, spec.text_column, spec.label_column))


def prepare(df: DataFrame, spec: InputSpec, labels: list[str], partitions: int) -> DataFrame:
    """Usable rows, label-indexed, repartitioned and cached (filled by the first action)."""
    return indexed_rows(df, spec, labels).repartition(partitions).cache()


# Input bytes per partition when spark.partitions is not set: small enough that a partition of text and
# its tokens caches comfortably in a task's share of memory, large enough to keep per-task overhead low.
PARTITION_BYTES = 64 * 1024 * 1024


def default_partitions(input_bytes: int, cores: int) -> int:
    """Two waves of tasks for small inputs; one partition per PARTITION_BYTES for large ones, rounded up to
    a multiple of the cores so the last wave keeps every core busy."""
    by_size = -(-input_bytes // PARTITION_BYTES)
    return max(2 * cores, -(-by_size // cores) * cores)
