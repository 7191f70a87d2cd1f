from __future__ import annotations

import random

import pytest
from pyspark.ml.evaluation import BinaryClassificationEvaluator
from pyspark.ml.linalg import Vectors
from pyspark.sql import DataFrame, SparkSession

from kindling_job.columns import LABEL, PROBABILITY
from kindling_job.curves import binary_curves, curves_from_counts, trapezoid_area


def scored(spark: SparkSession, rows: list[tuple[float, float]]) -> DataFrame:
    """(label index, probability of index 1) rows; rawPrediction mirrors the probability for the evaluator."""
    return spark.createDataFrame(
        [(label, Vectors.dense([1 - p, p]), Vectors.dense([-p, p])) for label, p in rows],
        [LABEL, PROBABILITY, "rawPrediction"],
    )


def auc(df: DataFrame) -> float:
    evaluator = BinaryClassificationEvaluator(labelCol=LABEL, rawPredictionCol="rawPrediction")
    return float(evaluator.evaluate(df))


def roc_area(curves: dict[str, list[dict[str, float]]]) -> float:
    return trapezoid_area([(p["fpr"], p["tpr"]) for p in curves["roc"]])


def test_sweep_from_high_to_low_threshold() -> None:
    # thresholds 0.3 < 0.6: bucket 0 = [-inf, 0.3), 1 = [0.3, 0.6), 2 = [0.6, inf)
    curves = curves_from_counts([0.3, 0.6], [(0, 2), (1, 1), (2, 0)])
    assert curves == {
        "roc": [
            {"threshold": None, "fpr": 0.0, "tpr": 0.0},
            {"threshold": 0.6, "fpr": 0.0, "tpr": pytest.approx(2 / 3, abs=1e-6)},
            {"threshold": 0.3, "fpr": 0.333333, "tpr": 1.0},
            {"threshold": 0.0, "fpr": 1.0, "tpr": 1.0},
        ],
        "pr": [
            {"threshold": 0.6, "recall": pytest.approx(2 / 3, abs=1e-6), "precision": 1.0},
            {"threshold": 0.3, "recall": 1.0, "precision": 0.75},
            {"threshold": 0.0, "recall": 1.0, "precision": 0.5},
        ],
    }
    assert curves_from_counts([0.5], [(3, 0), (2, 0)]) is None  # one class: undefined


def test_exact_roc_when_every_score_has_its_own_bucket(spark: SparkSession) -> None:
    rng = random.Random(3)
    rows = [
        (float(i % 2), round(min(0.99, max(0.01, 0.35 * (i % 2) + rng.random() * 0.65)), 2))
        for i in range(40)
    ]
    df = scored(spark, rows)
    curves = binary_curves(df, ["ham", "spam"])
    assert curves is not None
    assert curves["positive_label"] == "spam"
    assert roc_area(curves) == pytest.approx(auc(df), abs=1e-6)
    roc = curves["roc"]
    assert (roc[0]["fpr"], roc[0]["tpr"], roc[-1]["fpr"], roc[-1]["tpr"]) == (0.0, 0.0, 1.0, 1.0)
    assert all(a["fpr"] <= b["fpr"] and a["tpr"] <= b["tpr"] for a, b in zip(roc, roc[1:]))


def test_many_scores_stay_within_the_point_budget(spark: SparkSession) -> None:
    rng = random.Random(5)
    rows = [(float(label), min(1.0, max(0.0, rng.gauss(0.3 + 0.4 * label, 0.2)))) for label in [0, 1] * 1500]
    df = scored(spark, rows)
    curves = binary_curves(df, ["ham", "spam"], max_points=50)
    assert curves is not None
    assert len(curves["roc"]) <= 51
    assert len(curves["pr"]) <= 50
    assert roc_area(curves) == pytest.approx(auc(df), abs=0.01)
    pr = curves["pr"]
    assert all(a["recall"] <= b["recall"] for a, b in zip(pr, pr[1:]))
    assert pr[-1]["recall"] == 1.0
    assert pr[-1]["precision"] == pytest.approx(0.5)


def test_only_binary_labels_get_curves(spark: SparkSession) -> None:
    df = scored(spark, [(0.0, 0.2), (1.0, 0.8)])
    assert binary_curves(df, ["a", "b", "c"]) is None
    assert binary_curves(scored(spark, [(1.0, 0.2), (1.0, 0.8)]), ["a", "b"]) is None
