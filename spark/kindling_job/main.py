"""The job's edge: arguments, SparkSession, stages with progress events, outputs, the exit code."""

from __future__ import annotations

import argparse
import platform
import sys
import traceback
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, TextIO

from pyspark.ml import PipelineModel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from . import outputs
from .beside import run_beside
from .columns import LABEL, ROW
from .compat import error_text, root_cause
from .errors import EmptyDataError, JobError, SparkLineError
from .evaluate import evaluate, predict_test_split, prediction_fingerprint
from .events import EventLog, StageTimer
from .features import fit_featurizer, split_beside, token_featurizer
from .hadoopfs import HadoopFs
from .identical import identical_predictions
from .ingest import (
    InputStats,
    check_metric_fits,
    check_usable,
    data_columns,
    default_partitions,
    indexed_rows,
    input_stats,
    prepare,
    read_input,
)
from .predict import read_predict_document, run_predict
from .prepared_cache import Layout, PreparedCache
from .progress import fit_with_progress
from .rejects import REJECTS, check_reject_share, malformed_records, rejected_rows, write_rejects
from .spec import ClassifierSpec, FeatureSet, JobSpec, load_spec, model_key
from .text import text_stages
from .train import best_params, cross_validator, cv_scores, featurized_training_set, final_model, split

# Error events carry a message, not a stack trace (that goes to stderr).
MAX_MESSAGE_CHARS = 2000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="entry.py",
        description="Kindling's Spark job: train from a job spec, or score text with a predict spec.",
    )
    parser.add_argument(
        "--spec", required=True, help="job spec JSON: local path, file://, hdfs:// or s3:// URI"
    )
    return parser.parse_args(argv)


def start_session(run_id: str) -> SparkSession:
    """Master, memory etc. come from spark-submit; an already active session (tests) is reused."""
    spark = SparkSession.builder.appName(f"kindling {run_id}").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def check_spark_line(running: str, expected: str) -> None:
    """Refuses a Spark of another line (a KINDLING_VENV or a `spark://` cluster of another version)."""
    if ".".join(running.split(".")[:2]) != expected:
        raise SparkLineError(expected, running)


def versions(spark: SparkSession) -> dict[str, str | None]:
    jvm: Any = spark._jvm
    try:
        scala: str | None = str(jvm.scala.util.Properties.versionNumberString())
    except Exception:  # noqa: BLE001 -- a missing version is not worth failing a run over
        scala = None
    return {
        "spark": spark.version,
        "python": platform.python_version(),
        "java": str(jvm.java.lang.System.getProperty("java.version")),
        "scala": scala,
    }


@dataclass(frozen=True)
class PreparedSplit:
    """Both sides of the split (label and tokens, cached) with their row counts."""

    train: DataFrame
    test: DataFrame
    stats: InputStats
    train_rows: int
    test_rows: int


def counted_split(train: DataFrame, test: DataFrame, stats: InputStats, fraction: float) -> PreparedSplit:
    """Counts both sides (filling their caches); fails if either is empty."""
    train_rows, test_rows = train.count(), test.count()
    if train_rows == 0 or test_rows == 0:
        raise EmptyDataError(
            f"the {fraction:g} split of {stats.used} rows left {train_rows} training and "
            f"{test_rows} test rows; both need at least one"
        )
    return PreparedSplit(train, test, stats, train_rows, test_rows)


@dataclass
class Run:
    """One job run after `load`: the stages that follow it."""

    spark: SparkSession
    spec: JobSpec
    fs: HadoopFs
    timer: StageTimer

    def __post_init__(self) -> None:
        # Text stages are transformers (nothing to fit): the job tokenizes once, every feature set reads
        # the cached tokens, and each saved model still starts from raw text.
        stages, self.tokens_col = text_stages(self.spec.input.text_column, self.spec.text)
        self.text_model = PipelineModel(stages=stages)
        self.cores = self.spark.sparkContext.defaultParallelism
        # The prepared-text cache's events, kept for job.json.
        self.cache_outcomes: list[dict[str, Any]] = []

    def execute(self, raw: DataFrame) -> None:
        with ExitStack() as cleanup:
            self._execute(raw, cleanup)

    def tokenize(self, rows: DataFrame) -> DataFrame:
        return self.text_model.transform(rows).select(LABEL, self.tokens_col)

    def _execute(self, raw: DataFrame, cleanup: ExitStack) -> None:
        spec = self.spec
        with self.timer.stage("prepare"):
            partitions = spec.spark.partitions or default_partitions(self.fs.size(spec.input.uri), self.cores)
            data = self.prepared(raw, partitions, cleanup)
        # Test rows are numbered so that two models' predictions can be compared row by row.
        test = data.test.withColumn(ROW, F.monotonically_increasing_id())
        by_set: dict[str, dict[str, dict[str, Any]]] = {}

        def train_sets(sets: Sequence[FeatureSet]) -> None:
            for fs in sets:
                by_set[fs.name] = self.feature_set(fs, raw, data.train, test, data.stats.labels)

        in_order, beside = split_beside(spec.feature_sets, self.cores)
        if beside:
            run_beside(self.spark.sparkContext, lambda: train_sets(in_order), lambda: train_sets(beside))
        else:
            train_sets(in_order)
        # In the spec's order, whichever thread trained them: the best model is the first of equals.
        results = {
            key: {**result, "train_rows": data.train_rows, "test_rows": data.test_rows}
            for fs in spec.feature_sets
            for key, result in by_set[fs.name].items()
        }
        with self.timer.stage("write"):
            self.write(results, data.stats, partitions)

    def prepared(self, raw: DataFrame, partitions: int, cleanup: ExitStack) -> PreparedSplit:
        """The label and tokens of each side of the split, cached: from the prepared-text cache when its
        entry matches, else prepared from the input and then stored for later runs."""
        spec = self.spec
        fraction = spec.training.split.train_fraction
        cache = (
            PreparedCache(self.spark, self.fs, spec.prepared_cache, self.timer.events)
            if spec.prepared_cache
            else None
        )
        if cache is not None:
            self.cache_outcomes = cache.outcomes
        layout = Layout.of(self.spark, raw, partitions) if cache else None
        reused = cache.load(layout, [LABEL, self.tokens_col]) if cache and layout else None
        if reused is not None:
            cleanup.callback(reused.train.unpersist)
            cleanup.callback(reused.test.unpersist)
            rejects = None
            if reused.rejects_uri is not None:
                rejects = outputs.child(spec.output.uri, REJECTS)
                self.fs.copy(reused.rejects_uri, rejects)
            self.check_rows(reused.stats, rejects)
            # Reading the entry counted both sides (an entry is stored only with rows on both).
            return PreparedSplit(reused.train, reused.test, reused.stats, reused.train_rows, reused.test_rows)
        stats = input_stats(raw, spec.input.text_column, spec.input.label_column)
        rejects = self.write_rejects(raw, stats)
        self.check_rows(stats, rejects)
        prepared = prepare(raw, spec.input, stats.labels, partitions)
        # Split the raw rows (the split depends on the columns it sorts by), then keep only the tokens of
        # each side: every feature set reads them, and they are smaller than the text.
        raw_train, raw_test = split(prepared, spec.training.split)
        train = self.tokenize(raw_train).cache()
        test = self.tokenize(raw_test).cache()
        cleanup.callback(train.unpersist)
        cleanup.callback(test.unpersist)
        try:
            data = counted_split(train, test, stats, fraction)
        finally:
            prepared.unpersist()
        if cache is not None and layout is not None:
            sides = {"train": (train, data.train_rows), "test": (test, data.test_rows)}
            cache.store(sides, stats, layout, rejects, spec.run.id)
        return data

    def write_rejects(self, raw: DataFrame, stats: InputStats) -> str | None:
        """Writes malformed rows to rejects/; returns where, if there were any."""
        if not stats.rejected:
            return None
        uri = outputs.child(self.spec.output.uri, REJECTS)
        columns = data_columns(raw)
        with malformed_records(raw, columns) as bad:
            write_rejects(self.spark, rejected_rows(bad, columns, self.spec.input.csv), uri)
        return uri

    def check_rows(self, stats: InputStats, rejects_uri: str | None) -> None:
        """Reports the row counts; fails over the reject threshold, without usable rows or labels."""
        spec = self.spec
        self.timer.events.emit(
            "rows",
            read=stats.rows,
            rejected=stats.rejected,
            null_dropped=stats.null_dropped,
            used=stats.used,
        )
        check_reject_share(stats.rejected, stats.rows, spec.input.max_reject_fraction, rejects_uri)
        check_usable(stats, spec.input)
        check_metric_fits(spec.training.cv.metric, stats.labels, spec.input.label_column)

    def feature_set(
        self, fs: FeatureSet, raw: DataFrame, train: DataFrame, test: DataFrame, labels: list[str]
    ) -> dict[str, dict[str, Any]]:
        """One model per classifier, keyed by model_key. `train` and `test` hold tokens; the models saved
        start from raw text."""
        spec = self.spec
        with self.timer.stage(f"featurize:{fs.name}"):
            featurizer_model = fit_featurizer(token_featurizer(fs, self.tokens_col, self.cores), train)
            train_features = featurized_training_set(featurizer_model, train, spec.training.class_weights)
        results = {}
        try:
            for classifier in spec.training.classifiers:
                key = model_key(fs, classifier, spec.training.classifiers)
                results[key] = self.classifier(
                    key, classifier, featurizer_model, train_features, test, labels
                )
                results[key].update(feature_set=fs.name, classifier=classifier.kind)
        finally:
            train_features.unpersist()
        if spec.output.write_features:
            with self.timer.stage(f"features:{fs.name}"):
                text_featurizer = PipelineModel(stages=[*self.text_model.stages, *featurizer_model.stages])
                featurized = text_featurizer.transform(indexed_rows(raw, spec.input, labels))
                outputs.write_features(
                    featurized, spec.input.text_column, outputs.features_uri(spec, fs.name)
                )
        return results

    def classifier(
        self,
        key: str,
        classifier: ClassifierSpec,
        featurizer_model: PipelineModel,
        train_features: DataFrame,
        test: DataFrame,
        labels: list[str],
    ) -> dict[str, Any]:
        spec = self.spec
        with self.timer.stage(f"train:{key}"):
            cv = cross_validator(spec.training, classifier, self.cores)
            cv_model = fit_with_progress(cv, train_features, self.timer.events, f"train:{key}")
            best = cv_model.bestModel
            text_featurizer = PipelineModel(stages=[*self.text_model.stages, *featurizer_model.stages])
            model = final_model(text_featurizer, best, labels)
        with self.timer.stage(f"evaluate:{key}"):
            on_tokens = PipelineModel(stages=[*featurizer_model.stages, best])
            predictions = predict_test_split(on_tokens, test)
            try:
                metrics = evaluate(predictions, labels)
                fingerprint = prediction_fingerprint(predictions)
            finally:
                predictions.unpersist()
        with self.timer.stage(f"save:{key}"):
            outputs.save_model(self.fs, model, outputs.model_uri(spec, key))
        scores = cv_scores(cv_model, classifier.kind)
        return {
            **metrics,
            "best_params": best_params(best, classifier.kind),
            "cv_metric": spec.training.cv.metric,
            "cv_scores": scores,
            "cv_best": max(s["metric"] for s in scores),
            "prediction_fingerprint": fingerprint,
        }

    def write(self, results: dict[str, dict[str, Any]], stats: InputStats, partitions: int) -> None:
        spec, uri = self.spec, self.spec.output.uri
        # Chosen on cross-validation, not on the test split (which stays a fair estimate); first wins ties.
        best = max(results, key=lambda name: results[name]["cv_best"])
        identical = identical_predictions(spec, results)
        for result in results.values():
            del result["prediction_fingerprint"]
        metrics = {
            "label_values": stats.labels,
            "best_feature_set": best,
            "feature_sets": results,
            "identical_predictions": identical,
        }
        outputs.write_json(self.fs, outputs.child(uri, outputs.METRICS), metrics)
        job = {
            "rows": {
                "read": stats.rows,
                "null_dropped": stats.null_dropped,
                "rejected": stats.rejected,
                "used": stats.used,
            },
            "rejects": {
                "rows": stats.rejected,
                "max_fraction": spec.input.max_reject_fraction,
                "uri": outputs.child(uri, REJECTS) if stats.rejected else None,
            },
            "null_counts": stats.null_counts,
            "class_balance": stats.class_balance,
            "stages": list(self.timer.stages),  # every stage before `write`
            "versions": versions(self.spark),
            "partitions": partitions,
            "prepared_cache": self.cache_outcomes,
        }
        outputs.write_json(self.fs, outputs.child(uri, outputs.JOB), job)
        if spec.output.success_marker:
            outputs.write_success_marker(self.fs, spec)


def _message(e: BaseException) -> str:
    text = str(e) if isinstance(e, JobError) else error_text(e)
    root = root_cause(e)
    if root and root not in text:  # the cause first: a long wrapper message is what gets cut
        text = f"{root} (raised as {text})"
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    """Run the job; returns the exit code. Never stops the SparkSession (the caller owns it)."""
    args = parse_args(argv)
    events = EventLog(stdout)
    timer = StageTimer(events)
    try:
        predict_doc = read_predict_document(HadoopFs.before_session(), args.spec)
        if predict_doc is not None:
            run_predict(predict_doc, timer)
            return 0
        with timer.stage("load"):
            spec = load_spec(HadoopFs.before_session(), args.spec)
            spark = start_session(spec.run.id)
            check_spark_line(spark.version, spec.spark.line)
            fs = HadoopFs.of_session(spark)
            outputs.check_outputs_free(fs, spec)
            raw = read_input(spark, spec.input)
        Run(spark, spec, fs, timer).execute(raw)
        return 0
    except JobError as e:
        events.emit("error", stage=timer.failed or "load", kind=e.kind, message=_message(e))
    except Exception as e:  # noqa: BLE001 -- the protocol promises an error event for any failure
        traceback.print_exc(file=sys.stderr)
        events.emit("error", stage=timer.failed or "load", kind="Internal", message=_message(e))
    return 1


def cli() -> None:
    """spark-submit entry point: run, stop the session, exit with the job's code."""
    code = main(sys.argv[1:])
    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
    sys.exit(code)
