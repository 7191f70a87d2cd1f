"""Test-split metrics for one feature set."""

from __future__ import annotations

import math
from typing import Any

from pyspark.ml import PipelineModel
from pyspark.ml.evaluation import BinaryClassificationEvaluator, MulticlassClassificationEvaluator
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from .columns import LABEL, PREDICTION, PROBABILITY, RAW_PREDICTION, ROW
from .curves import binary_curves

# metrics.json key -> MulticlassClassificationEvaluator metricName
MULTICLASS_METRICS = {
    "accuracy": "accuracy",
    "f1": "f1",
    "precision": "weightedPrecision",
    "recall": "weightedRecall",
}


def predict_test_split(model: PipelineModel, test: DataFrame) -> DataFrame:
    """What the evaluators and curves read, cached: each metric is one pass over it. LinearSVC has no
    probability column."""
    predicted = model.transform(test)
    kept = [c for c in (ROW, LABEL, PREDICTION, RAW_PREDICTION, PROBABILITY) if c in predicted.columns]
    return predicted.select(*kept).cache()


def score_column(predictions: DataFrame) -> str:
    """Where the positive class's score is: its probability, or (LinearSVC) its margin."""
    return PROBABILITY if PROBABILITY in predictions.columns else RAW_PREDICTION


def prediction_fingerprint(predictions: DataFrame) -> str:
    """Equal for two models exactly when they predict the same label on every numbered test row (up to a
    2^-64 chance): the XOR of a hash of each (row, prediction)."""
    row = predictions.agg(F.bit_xor(F.xxhash64(F.col(ROW), F.col(PREDICTION))).alias("x")).first()
    return format((row["x"] if row else 0) & (2**64 - 1), "016x")


def _finite(x: float) -> float | None:
    """JSON has no NaN; an undefined metric (e.g. AUC on a one-class test split) is reported as null."""
    return x if math.isfinite(x) else None


def multiclass_metrics(predictions: DataFrame) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key, metric in MULTICLASS_METRICS.items():
        evaluator = MulticlassClassificationEvaluator(
            labelCol=LABEL,
            predictionCol=PREDICTION,
            metricName=metric,  # type: ignore[arg-type]
        )
        out[key] = _finite(float(evaluator.evaluate(predictions)))
    return out


def area_under_roc(predictions: DataFrame, labels: list[str]) -> float | None:
    """Binary problems only (label index 1 is the positive class); null otherwise."""
    if len(labels) != 2:
        return None
    # Entry 1 of a probability or margin vector ranks the rows; NaiveBayes' raw log-likelihoods would not.
    evaluator = BinaryClassificationEvaluator(
        labelCol=LABEL, rawPredictionCol=score_column(predictions), metricName="areaUnderROC"
    )
    return _finite(float(evaluator.evaluate(predictions)))


def confusion_matrix(predictions: DataFrame, labels: list[str]) -> dict[str, Any]:
    """Rows = actual, columns = predicted, in label index order, every label present."""
    matrix = [[0] * len(labels) for _ in labels]
    for row in predictions.groupBy(LABEL, PREDICTION).count().collect():
        matrix[int(row[LABEL])][int(row[PREDICTION])] = int(row["count"])
    return {"labels": list(labels), "matrix": matrix}


def per_class_metrics(confusion: dict[str, Any]) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support of each label, from the confusion matrix (no pass over the data).
    A label never predicted (or never present) has precision (recall) 0, as Spark's MulticlassMetrics says."""
    labels: list[str] = confusion["labels"]
    matrix: list[list[int]] = confusion["matrix"]
    out = []
    for i, label in enumerate(labels):
        hits = matrix[i][i]
        support = sum(matrix[i])
        predicted = sum(row[i] for row in matrix)
        precision = hits / predicted if predicted else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append({"label": label, "precision": precision, "recall": recall, "f1": f1, "support": support})
    return out


def evaluate(predictions: DataFrame, labels: list[str]) -> dict[str, Any]:
    confusion = confusion_matrix(predictions, labels)
    return {
        **multiclass_metrics(predictions),
        "area_under_roc": area_under_roc(predictions, labels),
        "confusion_matrix": confusion,
        "per_class": per_class_metrics(confusion),
        "curves": binary_curves(predictions, labels),
    }
