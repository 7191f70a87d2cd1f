"""ROC and precision-recall curves for binary labels, from a bounded number of thresholds.

The thresholds are approximate quantiles of the positive-class probability (LinearSVC: its margin), so the
points spread evenly over the test rows however the scores bunch up (a good classifier puts most of them
near 0 and 1). Two passes over the (cached) predictions: one `approxQuantile`, one `groupBy` of the score
bucket. Only the quantiles and one row per bucket reach the driver: never more than `max_points` of each.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml.feature import Bucketizer
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .columns import LABEL, PROBABILITY, RAW_PREDICTION
from .vectors import vector_to_array

DEFAULT_MAX_POINTS = 100
_SCORE = "kindling_score"
_BUCKET = "kindling_bucket"


def _rounded(x: float) -> float:
    return round(x, 6)


def positive_score(predictions: DataFrame) -> Column:
    """The positive class's probability, or (LinearSVC, which has none) its margin."""
    column = PROBABILITY if PROBABILITY in predictions.columns else RAW_PREDICTION
    return vector_to_array(F.col(column))[1].alias(_SCORE)


def score_thresholds(predictions: DataFrame, max_points: int) -> list[float]:
    """Distinct, increasing score cut points (at most max_points - 1 of them)."""
    scores = predictions.select(positive_score(predictions))
    probabilities = [i / max_points for i in range(1, max_points)]
    quantiles = scores.approxQuantile(_SCORE, probabilities, 1.0 / (4 * max_points))
    return sorted(set(quantiles))


def bucket_counts(predictions: DataFrame, thresholds: list[float]) -> list[tuple[int, int]]:
    """(positives, negatives) per bucket; bucket k holds the scores in [thresholds[k-1], thresholds[k])."""
    splits = [float("-inf"), *thresholds, float("inf")]
    scored = predictions.select(LABEL, positive_score(predictions))
    bucketed = Bucketizer(splits=splits, inputCol=_SCORE, outputCol=_BUCKET).transform(scored)
    rows = (
        bucketed.groupBy(_BUCKET)
        .agg(
            F.count_if(F.col(LABEL) == 1.0).alias("pos"),
            F.count_if(F.col(LABEL) != 1.0).alias("neg"),
        )
        .collect()
    )
    counts = [(0, 0)] * (len(splits) - 1)
    for row in rows:
        counts[int(row[_BUCKET])] = (int(row["pos"]), int(row["neg"]))
    return counts


def curves_from_counts(
    thresholds: list[float], counts: list[tuple[int, int]], floor: float = 0.0
) -> dict[str, Any] | None:
    """Sweep the threshold from high to low: everything at or above it is predicted positive.

    ROC runs from (0, 0) to (1, 1); precision-recall has one point per threshold that predicts any
    positive. None when the rows hold only one class (neither curve is defined)."""
    positives = sum(p for p, _ in counts)
    negatives = sum(n for _, n in counts)
    if positives == 0 or negatives == 0:
        return None
    roc: list[dict[str, float | None]] = [{"threshold": None, "fpr": 0.0, "tpr": 0.0}]
    pr: list[dict[str, float | None]] = []
    tp = fp = 0
    # Bucket k's lower edge is thresholds[k - 1]; bucket 0 has none (every score counts as positive).
    for k in range(len(counts) - 1, -1, -1):
        p, n = counts[k]
        if p == 0 and n == 0:
            continue
        tp, fp = tp + p, fp + n
        threshold = _rounded(thresholds[k - 1]) if k > 0 else floor
        roc.append({"threshold": threshold, "fpr": _rounded(fp / negatives), "tpr": _rounded(tp / positives)})
        pr.append(
            {
                "threshold": threshold,
                "recall": _rounded(tp / positives),
                "precision": _rounded(tp / (tp + fp)),
            }
        )
    return {"roc": roc, "pr": pr}


def binary_curves(
    predictions: DataFrame, labels: list[str], max_points: int = DEFAULT_MAX_POINTS
) -> dict[str, Any] | None:
    """ROC and PR points of label index 1 (the positive class, as for area_under_roc); None unless binary."""
    if len(labels) != 2:
        return None
    thresholds = score_thresholds(predictions, max_points)
    probability = PROBABILITY in predictions.columns
    # The lowest threshold predicts every row positive: probability 0, or a margin at or below the lowest.
    floor = (
        0.0
        if probability
        else _rounded(float(predictions.agg(F.min(positive_score(predictions))).collect()[0][0]))
    )
    curves = curves_from_counts(thresholds, bucket_counts(predictions, thresholds), floor)
    if curves is None:
        return None
    return {"positive_label": labels[1], "score": "probability" if probability else "margin", **curves}


def trapezoid_area(points: list[tuple[float, float]]) -> float:
    """Area under a polyline given as (x, y) points sorted by x; used to check the curves against AUC."""
    return sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(points, points[1:]))
