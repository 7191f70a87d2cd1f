"""The seed's training job, reproduced literally: the "before" picture of the benchmark (issue 6).

This script does what the seed's PySpark job did (docs: shared/docs/seed-pipeline.md, "The training job",
steps 1-11) in the same order and with the same inefficiencies, because it is the baseline Kindling is
measured against. Do NOT optimize it: nothing is cached, so every count re-reads the CSV; IDF, Word2Vec and
MinMaxScaler are fitted on all rows before the split; every feature vector is collected to the driver and
thrown away. Each block below names the seed step it reproduces.

Deliberate differences, all outside the measured work:
- paths come from the command line instead of an S3 bucket, and progress goes to stderr instead of a daily
  log file uploaded to S3 (step 12 is not reproduced);
- a raw label column literally named "label" is renamed first, because the seed's StringIndexer writes
  "label" (the seed's raw column was "sentiment");
- the test split's row count, which the seed never computes, is measured in a separate stage named
  "bench_counts:<set>" so the harness can leave it out of the seed's time;
- results go to one JSON file (--result) for the harness.

Run: spark-submit [--master local[2]] bench/python/seed_literal.py --data CSV --text COL --label COL
     --work DIR --result JSON [--sets hashing_tf,tfidf,word2vec]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.feature import (
    IDF,
    HashingTF,
    MinMaxScaler,
    RegexTokenizer,
    StopWordsRemover,
    StringIndexer,
    Word2Vec,
)
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

FEATURE_SETS = ("hashing_tf", "tfidf", "word2vec")
RAW_LABEL_FALLBACK = "label_raw"


class UsageError(Exception):
    """Bad arguments or input: reported in one line, exit code 2."""


def log(message: str) -> None:
    # Progress on stderr only; stdout stays free for whoever spawns us.
    print(f"[seed-literal {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class StageTimer:
    """Records (name, seconds) for each timed block, in the order they ran."""

    stages: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            self.stages.append((name, seconds))
            log(f"{name}: {seconds:.2f}s")


@dataclass(frozen=True)
class Args:
    data: Path
    text: str
    label: str
    work: Path
    result: Path
    sets: tuple[str, ...]


def parse_sets(value: str) -> tuple[str, ...]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in FEATURE_SETS]
    if unknown or not names:
        raise UsageError(
            f"--sets: unknown or empty {unknown or value!r}; choose from {','.join(FEATURE_SETS)}"
        )
    # Always run in the seed's order, whatever order was asked for.
    return tuple(name for name in FEATURE_SETS if name in names)


def parse_args(argv: list[str]) -> Args:
    parser = argparse.ArgumentParser(description="The seed's PySpark training job, literally (benchmark).")
    parser.add_argument("--data", required=True, type=Path, help="CSV with a header row")
    parser.add_argument("--text", required=True, help="text column")
    parser.add_argument("--label", required=True, help="label column")
    parser.add_argument("--work", required=True, type=Path, help="folder for Parquet features and models")
    parser.add_argument("--result", required=True, type=Path, help="JSON file to write")
    parser.add_argument("--sets", default=",".join(FEATURE_SETS), help="comma list (default: all three)")
    ns = parser.parse_args(argv)
    if not ns.data.is_file():
        raise UsageError(f"--data: file not found: {ns.data}")
    if ns.text == ns.label:
        raise UsageError("--text and --label must name different columns")
    return Args(ns.data, ns.text, ns.label, ns.work, ns.result, parse_sets(ns.sets))


def start_session() -> SparkSession:
    # Step 1. Under plain `python` this includes the JVM start; under spark-submit the JVM is already up.
    spark = SparkSession.builder.appName("kindling-bench-seed-literal").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def read_csv(spark: SparkSession, args: Args) -> DataFrame:
    # Step 2: header=true, '"' as escape, no multiline, every column a string (no schema inference).
    df = spark.read.csv(str(args.data), header=True, escape='"')
    missing = [name for name in (args.text, args.label) if name not in df.columns]
    if missing:
        raise UsageError(f"column(s) {missing} not in {args.data}; columns are {df.columns}")
    if args.label == "label":
        # The seed's StringIndexer writes "label"; keep its output name and move the raw one aside.
        df = df.withColumnRenamed("label", RAW_LABEL_FALLBACK)
    return df


def drop_nulls(df: DataFrame, total: int) -> tuple[DataFrame, int]:
    # Step 2 (cont.): one count per column, each re-reading the CSV, as the seed's loop does.
    nulls = {name: df.where(F.col(name).isNull()).count() for name in df.columns}
    if not any(nulls.values()):
        return df, total
    for name, count in nulls.items():
        if count:
            log(f"column {name}: {count} nulls ({count / total * 100:.2f}%)")
    df = df.dropna()
    return df, df.count()


def log_class_balance(df: DataFrame, label_col: str) -> None:
    # Step 3: count each class (another full read).
    for row in df.groupBy(label_col).count().collect():
        log(f"class {row[0]}: {row[1]} rows")


def index_and_clean(df: DataFrame, text: str, label_col: str) -> DataFrame:
    # Step 4: the fit reads the CSV once more to find the distinct labels.
    df = StringIndexer(inputCol=label_col, outputCol="label").fit(df).transform(df)
    # Step 5: the seed's cleaning, in its order (the first pattern is greedy on purpose).
    df = df.withColumn(text, F.regexp_replace(text, "<.*/>", ""))
    df = df.withColumn(text, F.regexp_replace(text, "[^A-Za-z ]", ""))
    df = df.withColumn(text, F.regexp_replace(text, " +", " "))
    df = df.withColumn(text, F.lower(F.col(text)))
    # Step 6: tokens on \W, then Spark's English stop words.
    df = RegexTokenizer(inputCol=text, outputCol="words", pattern="\\W").transform(df)
    return StopWordsRemover(inputCol="words", outputCol="filtered").transform(df)


def featurize(name: str, dataset: DataFrame, text: str, label_col: str) -> DataFrame:
    """Step 7: one feature set; every fit sees ALL rows (the seed's leak, kept on purpose)."""
    htf = HashingTF(inputCol="filtered", outputCol="rawfeatures", numFeatures=250).transform(dataset)
    if name == "hashing_tf":
        return htf.withColumnRenamed("rawfeatures", "features")
    if name == "tfidf":
        return IDF(inputCol="rawfeatures", outputCol="features").fit(htf).transform(htf)
    # No seed given, as in the seed: Spark's default seed is fixed, so runs are repeatable anyway.
    w2v = Word2Vec(vectorSize=250, minCount=5, inputCol="filtered", outputCol="features").fit(dataset)
    vectors = w2v.transform(dataset)
    scaler = MinMaxScaler(inputCol="features", outputCol="scaledFeatures").fit(vectors)
    scaled = scaler.transform(vectors).select(label_col, text, "label", "scaledFeatures")
    return scaled.withColumnRenamed("scaledFeatures", "features")


def write_features(df: DataFrame, path: Path) -> None:
    # Step 8: recomputes the whole lineage from the CSV, since nothing is cached.
    df.write.mode("overwrite").partitionBy("label").parquet(str(path))


def train_one(name: str, df: DataFrame, rows: int, work: Path, timer: StageTimer) -> dict[str, Any]:
    """Steps 9-11 for one feature set."""
    with timer.stage(f"collect:{name}"):
        # Step 9: split, then the seed's unused driver-side collect and distinct-label count.
        train, test = df.randomSplit([0.7, 0.3], seed=11)
        vectors = df.select("features").collect()
        num_classes = df.select("label").distinct().count()
        size = len(vectors[0][0]) if vectors else 0
        log(f"{name}: {len(vectors)} vectors of size {size}, {num_classes} classes (unused)")
        del vectors
    with timer.stage(f"train:{name}"):
        lr = LogisticRegression()
        grid = ParamGridBuilder().addGrid(lr.maxIter, [10, 15, 20]).build()
        cv = CrossValidator(
            estimator=lr, estimatorParamMaps=grid, evaluator=MulticlassClassificationEvaluator(), numFolds=2
        )
        model = cv.fit(train)
        _coefficients = model.bestModel.coefficientMatrix  # type: ignore[attr-defined]  # kept, unused
    with timer.stage(f"evaluate:{name}"):
        # Step 10: accuracy on the 30% split (the seed formats it as a 5-character percentage).
        predictions = model.transform(test)
        accuracy = MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions)
        log(f"{name}: accuracy {str(accuracy * 100)[:5]}")
    with timer.stage(f"save:{name}"):
        # Step 11: only the CrossValidatorModel (LR stage) is saved, as in the seed.
        model.write().overwrite().save(str(work / "output" / f"LogisticRegression_{name}"))
    with timer.stage(f"bench_counts:{name}"):
        # Not a seed step: the result file needs the split sizes. One count (the smaller part) suffices,
        # since randomSplit's parts are disjoint and cover every row.
        test_rows = test.count()
        train_rows = rows - test_rows
    metrics = [float(m) for m in model.avgMetrics]
    best = max(range(len(grid)), key=lambda i: metrics[i])
    return {
        "accuracy": accuracy,
        "train_rows": train_rows,
        "test_rows": test_rows,
        "best_max_iter": int(grid[best][lr.maxIter]),
        "cv_f1_by_max_iter": {str(grid[i][lr.maxIter]): metrics[i] for i in range(len(grid))},
    }


def versions(spark: SparkSession) -> dict[str, str]:
    import numpy
    import pyspark

    return {
        "python": sys.version.split()[0],
        "pyspark": pyspark.__version__,
        "spark": spark.version,
        "numpy": numpy.__version__,
    }


def write_result(path: Path, result: dict[str, Any]) -> None:
    # Temp name then rename, so a reader never sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp, path)


def run(args: Args) -> dict[str, Any]:
    timer = StageTimer()
    log(f"data found: {args.data}")  # step 1's "bucket found"
    start = time.perf_counter()
    spark = start_session()
    startup = time.perf_counter() - start
    log(f"SparkSession ready in {startup:.2f}s")
    try:
        with timer.stage("read"):
            df = read_csv(spark, args)
        label_col = RAW_LABEL_FALLBACK if args.label == "label" else args.label
        with timer.stage("count"):
            total = df.count()
        with timer.stage("nulls"):
            df, rows = drop_nulls(df, total)
        with timer.stage("class_counts"):
            log_class_balance(df, label_col)
        with timer.stage("index_clean"):
            dataset = index_and_clean(df, args.text, label_col)
        features: dict[str, DataFrame] = {}
        for name in args.sets:
            with timer.stage(f"featurize:{name}"):
                features[name] = featurize(name, dataset, args.text, label_col)
        for name, frame in features.items():
            with timer.stage(f"write:{name}"):
                write_features(frame, args.work / "features" / name)
        results = {name: train_one(name, frame, rows, args.work, timer) for name, frame in features.items()}
        return {
            "runner": "seed-literal",
            "rows": rows,
            "startup_seconds": startup,
            "stages": [{"name": name, "seconds": seconds} for name, seconds in timer.stages],
            "feature_sets": results,
            "versions": versions(spark),
        }
    finally:
        spark.stop()


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
        result = run(args)
    except UsageError as err:
        print(f"seed_literal: {err}", file=sys.stderr)
        return 2
    write_result(args.result, result)
    log(f"result written to {args.result}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
