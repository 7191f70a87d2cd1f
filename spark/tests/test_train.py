from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.ml import PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.sql import DataFrame, SparkSession

from kindling_job.columns import (
    FEATURES,
    LABEL,
    PREDICTED_LABEL,
    PREDICTION,
    PROBABILITY,
    RAW_PREDICTION,
)
from kindling_job.features import featurizer, fit_featurizer
from kindling_job.ingest import prepare
from kindling_job.spec import (
    CsvOptions,
    FeatureSet,
    Grid,
    HashingTfSet,
    InputSpec,
    TfidfSet,
    Word2VecSet,
    parse_spec,
)
from kindling_job.train import (
    best_params,
    cross_validate,
    cv_scores,
    featurized_training_set,
    final_model,
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
    train = featurized_training_set(featurizer_model, prepared)
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
    train = featurized_training_set(featurizer_model, prepared)
    grid = Grid(max_iter=(3, 6), reg_param=(0.0, 0.5), elastic_net_param=(0.0,))
    training = replace(SPEC.training, model=replace(SPEC.training.model, grid=grid))
    try:
        cv_model = cross_validate(train, training)
    finally:
        train.unpersist()
    scores = cv_scores(cv_model)
    assert sorted((s["params"]["max_iter"], s["params"]["reg_param"]) for s in scores) == [
        (3, 0.0),
        (3, 0.5),
        (6, 0.0),
        (6, 0.5),
    ]
    assert all(s["params"]["elastic_net_param"] == 0.0 for s in scores)
    best = max(scores, key=lambda s: s["metric"])
    assert best_params(cv_model.bestModel) == best["params"]  # type: ignore[arg-type]
