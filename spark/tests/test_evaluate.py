from __future__ import annotations

import pytest
from pyspark.ml.linalg import Vectors
from pyspark.sql import DataFrame, SparkSession

from kindling_job.columns import LABEL, PREDICTION, RAW_PREDICTION
from kindling_job.evaluate import area_under_roc, confusion_matrix, evaluate


def predictions(spark: SparkSession, rows: list[tuple[float, float, list[float]]]) -> DataFrame:
    return spark.createDataFrame(
        [(label, prediction, Vectors.dense(raw)) for label, prediction, raw in rows],
        [LABEL, PREDICTION, RAW_PREDICTION],
    )


def test_multiclass_confusion_matrix_keeps_every_label(spark: SparkSession) -> None:
    labels = ["ham", "spam", "news"]
    df = predictions(
        spark,
        [
            (0.0, 0.0, [1, 0, 0]),
            (0.0, 0.0, [1, 0, 0]),
            (0.0, 1.0, [0, 1, 0]),
            (1.0, 1.0, [0, 1, 0]),
            (2.0, 0.0, [1, 0, 0]),  # "news" is never predicted: its column is all zeros
        ],
    )
    metrics = evaluate(df, labels)
    assert metrics["confusion_matrix"] == {
        "labels": ["ham", "spam", "news"],
        "matrix": [[2, 1, 0], [0, 1, 0], [1, 0, 0]],
    }
    assert metrics["accuracy"] == pytest.approx(3 / 5)
    assert metrics["recall"] == pytest.approx(3 / 5)  # weighted recall equals accuracy
    assert metrics["area_under_roc"] is None
    assert metrics["curves"] is None  # ROC and PR curves are for binary labels only
    assert set(metrics) == {
        "accuracy",
        "f1",
        "precision",
        "recall",
        "area_under_roc",
        "confusion_matrix",
        "per_class",
        "curves",
    }
    per_class = {c["label"]: c for c in metrics["per_class"]}
    assert [c["label"] for c in metrics["per_class"]] == labels
    assert per_class["ham"] == pytest.approx(
        {"label": "ham", "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3}
    )
    assert per_class["spam"] == pytest.approx(
        {"label": "spam", "precision": 1 / 2, "recall": 1.0, "f1": 2 / 3, "support": 1}
    )
    # Never predicted: precision and recall 0, as Spark's MulticlassMetrics has it.
    assert per_class["news"] == {"label": "news", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    # Weighted by support, they are Spark's own weighted precision, recall and F1.
    for key in ("precision", "recall", "f1"):
        weighted = sum(c[key] * c["support"] for c in metrics["per_class"]) / 5
        assert weighted == pytest.approx(metrics[key])


def test_binary_area_under_roc_uses_raw_prediction(spark: SparkSession) -> None:
    df = predictions(
        spark,
        [(0.0, 0.0, [2, -2]), (0.0, 0.0, [1, -1]), (1.0, 0.0, [0.5, -0.5]), (1.0, 1.0, [-3, 3])],
    )
    # Positive scores rank: 3 (pos), -0.5 (pos), -1 (neg), -2 (neg): perfectly separated.
    assert area_under_roc(df, ["ham", "spam"]) == pytest.approx(1.0)
    assert confusion_matrix(df, ["ham", "spam"])["matrix"] == [[2, 0], [1, 1]]
