"""Models that predicted the same label for every test row, and why when the reason is known.

With the seed's settings HashingTF and TF-IDF give the same model: IDF multiplies each feature by a
constant, logistic regression's standardization divides it back out, and without regularization nothing
else depends on a feature's scale. Users comparing the two deserve to be told, not left to wonder.
"""

from __future__ import annotations

from typing import Any

from .spec import FeatureSet, HashingTfSet, JobSpec, LogisticRegressionSpec, TfidfSet, model_key

IDF_UNDONE = (
    "IDF scales each feature by a constant, which logistic regression's standardization divides back out; "
    "without regularization (reg_param 0) the fitted model is the same"
)
SAME_PREDICTIONS = "the models differ but agree on every test row"
ALL_CORRECT = "each of them predicted every test row correctly"


def identical_predictions(spec: JobSpec, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups of two or more models whose `prediction_fingerprint`s are equal, in spec order."""
    groups: dict[str, list[str]] = {}
    for key, result in results.items():
        groups.setdefault(result["prediction_fingerprint"], []).append(key)
    return [
        {"models": keys, "reason": reason(spec, results, keys)} for keys in groups.values() if len(keys) > 1
    ]


def reason(spec: JobSpec, results: dict[str, dict[str, Any]], keys: list[str]) -> str:
    if all(results[k]["accuracy"] == 1.0 for k in keys):
        return ALL_CORRECT
    classifiers = spec.training.classifiers
    by_key = {model_key(fs, c, classifiers): (fs, c) for fs in spec.feature_sets for c in classifiers}
    pairs = [by_key[k] for k in keys]
    hashed = [fs for fs, _ in pairs if isinstance(fs, (HashingTfSet, TfidfSet))]
    same_terms = len(hashed) == len(pairs) and len({_terms(fs) for fs in hashed}) == 1
    unregularized_lr = all(
        isinstance(c, LogisticRegressionSpec)
        and c.standardization
        and results[k]["best_params"].get("reg_param") == 0
        for k, (_, c) in zip(keys, pairs)
    )
    # minDocFreq > 0 zeroes rare terms: that is more than a rescaling.
    tfidf = [fs for fs in hashed if isinstance(fs, TfidfSet)]
    idf_only = bool(tfidf) and len(tfidf) < len(hashed) and all(fs.min_doc_freq == 0 for fs in tfidf)
    return IDF_UNDONE if same_terms and unregularized_lr and idf_only else SAME_PREDICTIONS


def _terms(fs: FeatureSet) -> tuple[int, int, bool]:
    assert isinstance(fs, (HashingTfSet, TfidfSet))
    return fs.num_features, fs.ngrams, fs.binary
