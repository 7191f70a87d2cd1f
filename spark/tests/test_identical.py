"""Which models are reported as predicting alike, and the reason given (no Spark: fingerprints are inputs)."""

from __future__ import annotations

from typing import Any

from kindling_job.identical import ALL_CORRECT, IDF_UNDONE, SAME_PREDICTIONS, identical_predictions
from kindling_job.spec import parse_spec

from .helpers import seed_spec

NB = {"kind": "naive_bayes", "grid": {"smoothing": [1.0]}, "model_type": "multinomial"}


def result(fingerprint: str, accuracy: float = 0.9, reg_param: float = 0.0) -> dict[str, Any]:
    return {
        "prediction_fingerprint": fingerprint,
        "accuracy": accuracy,
        "best_params": {"max_iter": 10, "reg_param": reg_param, "elastic_net_param": 0.0},
    }


def test_seed_hashing_tf_and_tfidf_alike_is_explained_by_standardization() -> None:
    spec = parse_spec(seed_spec())
    results = {"hashing_tf": result("a"), "tfidf": result("a"), "word2vec": result("b")}
    assert identical_predictions(spec, results) == [{"models": ["hashing_tf", "tfidf"], "reason": IDF_UNDONE}]


def test_without_the_conditions_the_reason_is_only_agreement() -> None:
    doc = seed_spec()
    doc["feature_sets"][1]["num_features"] = 512  # other buckets: IDF is not the only difference
    spec = parse_spec(doc)
    results = {"hashing_tf": result("a"), "tfidf": result("a"), "word2vec": result("a")}
    assert identical_predictions(spec, results) == [
        {"models": ["hashing_tf", "tfidf", "word2vec"], "reason": SAME_PREDICTIONS}
    ]
    regularized = {"hashing_tf": result("a", reg_param=0.1), "tfidf": result("a", reg_param=0.1)}
    doc["feature_sets"][1]["num_features"] = 250
    assert identical_predictions(parse_spec(doc), {**regularized, "word2vec": result("b")})[0]["reason"] == (
        SAME_PREDICTIONS
    )


def test_perfect_models_agree_trivially_and_differing_ones_are_not_listed() -> None:
    doc = seed_spec()
    doc["training"]["model"] = [doc["training"]["model"], NB]
    spec = parse_spec(doc)
    results = {
        "hashing_tf/logistic_regression": result("a", accuracy=1.0),
        "hashing_tf/naive_bayes": result("a", accuracy=1.0),
        "tfidf/logistic_regression": result("b"),
        "tfidf/naive_bayes": result("c"),
        "word2vec/logistic_regression": result("d"),
        "word2vec/naive_bayes": result("e"),
    }
    assert identical_predictions(spec, results) == [
        {"models": ["hashing_tf/logistic_regression", "hashing_tf/naive_bayes"], "reason": ALL_CORRECT}
    ]
