from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.ml import PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from kindling_job.columns import (
    FEATURES,
    LABEL,
    PREDICTED_LABEL,
    PREDICTION,
    PROBABILITY,
    RAW_PREDICTION,
    WEIGHT,
)
from kindling_job.events import PREFIX, EventLog
from kindling_job.features import featurizer, fit_featurizer
from kindling_job.ingest import prepare
from kindling_job.progress import CountingEvaluator, CvProgress, fit_with_progress
from kindling_job.spec import (
    ClassifierSpec,
    CsvOptions,
    FeatureSet,
    HashingTfSet,
    InputSpec,
    LinearSvcSpec,
    LogisticRegressionSpec,
    NaiveBayesSpec,
    TfidfSet,
    Word2VecSet,
    parse_spec,
)
from kindling_job.train import (
    best_params,
    cross_validate,
    cross_validator,
    cv_scores,
    featurized_training_set,
    final_model,
    grid_values,
    has_probability,
    split,
)

from .helpers import corpus, seed_spec

SPEC = parse_spec(seed_spec())
LABELS = ["ham", "spam"]
INPUT = InputSpec("unused", "csv", "text", "label", CsvOptions())


@pytest.fixture(scope="module")
def prepared(spark: SparkSession) -> Iterator[DataFrame]:
    raw = spark.createDataFrame(corpus(24, LABELS), ["text", "label"])
    df = prepare(raw, INPUT, LABELS, partitions=2)
    yield df
    df.unpersist()


def test_split_is_disjoint_complete_and_repeatable(prepared: DataFrame) -> None:
    train, test = split(prepared, SPEC.training.split)
    train_texts = [r["text"] for r in train.collect()]
    test_texts = [r["text"] for r in test.collect()]
    assert sorted(train_texts + test_texts) == sorted(r["text"] for r in prepared.collect())
    train_again, _ = split(prepared, SPEC.training.split)
    assert [r["text"] for r in train_again.collect()] == train_texts


def test_stratified_split_keeps_each_labels_share_and_is_disjoint_complete_repeatable(
    spark: SparkSession,
) -> None:
    # 200 ham and 20 spam: a random 70/30 split may leave the test side with a handful of spam, or none.
    rows = corpus(100, ["ham", "ham"]) + corpus(10, ["spam", "spam"])
    raw = spark.createDataFrame(rows, ["text", "label"]).dropDuplicates(["text", "label"])
    counts = {r["label"]: r["count"] for r in raw.groupBy("label").count().collect()}
    df = prepare(raw, INPUT, LABELS, partitions=3)
    spec = replace(SPEC.training.split, method="stratified")
    train, test = split(df, spec)
    by_label = {
        side: {r[LABEL]: r["count"] for r in part.groupBy(LABEL).count().collect()}
        for side, part in (("train", train), ("test", test))
    }
    for index, label in enumerate(LABELS):
        total = counts[label]
        assert by_label["train"][index] + by_label["test"][index] == total
        # Each label's share, to within a row of rounding (the cut is an approximate quantile).
        assert abs(by_label["train"][index] - 0.7 * total) <= 1.5
    assert set(train.columns) == set(df.columns)  # the split's working columns are gone
    texts = sorted(r["text"] for r in train.collect()) + sorted(r["text"] for r in test.collect())
    assert sorted(texts) == sorted(r["text"] for r in df.collect())  # disjoint and complete
    again, _ = split(df.repartition(2), spec)  # the rows' order and partitioning do not matter
    assert sorted(r["text"] for r in again.collect()) == sorted(r["text"] for r in train.collect())
    df.unpersist()


FEATURE_SETS: list[FeatureSet] = [
    HashingTfSet("hashing_tf", 64),
    TfidfSet("tfidf", 64, 0),
    Word2VecSet("word2vec", 8, 1, 1, 1, 0.025, 5, 11, "minmax"),
]


@pytest.mark.parametrize("fs", FEATURE_SETS, ids=lambda fs: fs.name)
def test_saved_model_scores_raw_text_identically_after_load(
    spark: SparkSession, prepared: DataFrame, fs: FeatureSet, tmp_path: Path
) -> None:
    featurizer_model = fit_featurizer(featurizer("text", SPEC.text, fs), prepared)
    train = featurized_training_set(featurizer_model, prepared, "none")
    classifier = LogisticRegression(featuresCol=FEATURES, labelCol=LABEL, maxIter=5).fit(train)
    train.unpersist()
    model = final_model(featurizer_model, classifier, LABELS)

    raw = spark.createDataFrame([("FREE money, click now!",), ("Team meeting notes",), (None,)], ["text"])
    columns = ["text", PREDICTION, PROBABILITY, RAW_PREDICTION, PREDICTED_LABEL]
    before = model.transform(raw).select(columns)
    model.write().save(str(tmp_path / "model"))
    after = PipelineModel.load(str(tmp_path / "model")).transform(raw).select(columns)

    assert_df_equality(before, after, ignore_nullable=True)
    for row in before.collect():
        assert row[PREDICTED_LABEL] == LABELS[int(row[PREDICTION])]
        assert len(row[PROBABILITY]) == 2


def test_cross_validation_reports_every_grid_point(prepared: DataFrame) -> None:
    featurizer_model = fit_featurizer(featurizer("text", SPEC.text, FEATURE_SETS[0]), prepared)
    train = featurized_training_set(featurizer_model, prepared, "none")
    lr = LogisticRegressionSpec(max_iter=(3, 6), reg_param=(0.0, 0.5), elastic_net_param=(0.0,))
    try:
        cv_model = cross_validate(train, SPEC.training, lr)
    finally:
        train.unpersist()
    scores = cv_scores(cv_model, lr.kind)
    assert sorted((s["params"]["max_iter"], s["params"]["reg_param"]) for s in scores) == [
        (3, 0.0),
        (3, 0.5),
        (6, 0.0),
        (6, 0.5),
    ]
    assert all(s["params"]["elastic_net_param"] == 0.0 for s in scores)
    best = max(scores, key=lambda s: s["metric"])
    assert best_params(cv_model.bestModel, lr.kind) == best["params"]


def test_cross_validation_reports_each_fit_it_evaluates_without_changing_a_metric(
    prepared: DataFrame,
) -> None:
    featurizer_model = fit_featurizer(featurizer("text", SPEC.text, FEATURE_SETS[0]), prepared)
    train = featurized_training_set(featurizer_model, prepared, "none")
    lr = LogisticRegressionSpec(max_iter=(3, 6), reg_param=(0.0, 0.5), elastic_net_param=(0.0,))
    stream = io.StringIO()
    try:
        plain = cross_validate(train, SPEC.training, lr, cores=2)
        cv = cross_validator(SPEC.training, lr, cores=2)
        observed = fit_with_progress(cv, train, EventLog(stream), "train:tfidf")
    finally:
        train.unpersist()

    # Spark may add partial sums in another order from run to run: equal up to rounding.
    assert observed.avgMetrics == pytest.approx(plain.avgMetrics, rel=1e-12)
    # The model and the validator keep the real evaluator (a counting one could not be saved).
    assert not isinstance(observed.getEvaluator(), CountingEvaluator)
    assert not isinstance(cv.getEvaluator(), CountingEvaluator)
    events = [json.loads(line.removeprefix(PREFIX)) for line in stream.getvalue().splitlines()]
    folds = SPEC.training.cv.folds
    assert [e["done"] for e in events] == list(range(1, 4 * folds + 1))
    assert {(e["event"], e["stage"], e["total"], e["folds"]) for e in events} == {
        ("cv_progress", "train:tfidf", 4 * folds, folds)
    }
    assert events[-1]["seconds_left"] == 0


def test_time_left_is_the_mean_fit_time_so_far_times_the_fits_to_go() -> None:
    stream = io.StringIO()
    now = [100.0]
    progress = CvProgress(EventLog(stream), "train:w2v", folds=3, grid_points=2, clock=lambda: now[0])
    for seconds in (10.0, 10.0, 16.0):
        now[0] += seconds
        progress.fit_evaluated()
    last = json.loads(stream.getvalue().splitlines()[-1].removeprefix(PREFIX))
    assert last == {
        "event": "cv_progress",
        "stage": "train:w2v",
        "done": 3,
        "total": 6,
        "fold": 2,
        "folds": 3,
        "elapsed": 36.0,
        "seconds_left": 36.0,
    }


# Each classifier once, class weights on two of them (each case is a cross-validation: ~10 s).
CLASSIFIERS: list[tuple[ClassifierSpec, str]] = [
    (LogisticRegressionSpec((5,), (0.0, 0.01), (0.0,), standardization=False), "balanced"),
    (LinearSvcSpec((10,), (0.0, 0.1), standardization=True), "none"),
    (NaiveBayesSpec((0.5, 1.0), "multinomial"), "none"),
    (NaiveBayesSpec((1.0,), "complement"), "balanced"),
]


@pytest.mark.parametrize(
    ("classifier", "class_weights"),
    CLASSIFIERS,
    ids=lambda c: c if isinstance(c, str) else f"{c.kind}-{getattr(c, 'model_type', '')}",
)
def test_each_classifier_is_cross_validated_and_saved_as_a_raw_text_model(
    spark: SparkSession, prepared: DataFrame, classifier: ClassifierSpec, class_weights: str, tmp_path: Path
) -> None:
    featurizer_model = fit_featurizer(featurizer("text", SPEC.text, FEATURE_SETS[1]), prepared)
    train = featurized_training_set(featurizer_model, prepared, class_weights)
    training = replace(SPEC.training, class_weights=class_weights)
    try:
        cv_model = cross_validate(train, training, classifier)
    finally:
        train.unpersist()
    scores = cv_scores(cv_model, classifier.kind)
    assert len(scores) == len(list(itertools.product(*grid_values(classifier).values())))
    best = cv_model.bestModel
    assert best_params(best, classifier.kind) == max(scores, key=lambda s: s["metric"])["params"]
    weight_col = best.getOrDefault("weightCol") if best.isSet("weightCol") else None
    assert weight_col == (WEIGHT if class_weights == "balanced" else None)
    model = final_model(featurizer_model, best, LABELS)
    model.write().save(str(tmp_path / "model"))
    raw = spark.createDataFrame([("FREE money, click now!",), ("Team meeting notes",)], ["text"])
    scored = PipelineModel.load(str(tmp_path / "model")).transform(raw)
    assert (PROBABILITY in scored.columns) == has_probability(classifier)  # LinearSVC gives a margin
    rows = scored.collect()
    assert all(r[PREDICTED_LABEL] == LABELS[int(r[PREDICTION])] for r in rows)
    # The corpus separates the two labels by their words: every classifier gets the training rows right.
    on_train = model.transform(prepared).where(f"{PREDICTION} = {LABEL}").count()
    assert on_train / prepared.count() >= 0.9


def test_balanced_weights_give_each_label_the_same_total(spark: SparkSession) -> None:
    rows = corpus(30, ["ham", "ham", "ham"]) + corpus(5, ["spam", "spam"])
    df = prepare(spark.createDataFrame(rows, ["text", "label"]), INPUT, LABELS, partitions=2)
    featurizer_model = fit_featurizer(featurizer("text", SPEC.text, FEATURE_SETS[0]), df)
    weighted = featurized_training_set(featurizer_model, df, "balanced")
    totals = {
        r[LABEL]: r["total"] for r in weighted.groupBy(LABEL).agg(F.sum(WEIGHT).alias("total")).collect()
    }
    weighted.unpersist()
    assert len(totals) == 2
    assert totals[0.0] == pytest.approx(totals[1.0])
    assert sum(totals.values()) == pytest.approx(df.count())
