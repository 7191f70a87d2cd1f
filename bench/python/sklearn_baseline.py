"""What a data scientist would write instead of the seed: scikit-learn on one machine (benchmark, issue 6).

The same data, cleaning, feature parameters and model search as the seed's job (see seed_literal.py), with
scikit-learn's nearest equivalents, so the benchmark can show what a cluster costs against a laptop. The
known differences are noted where they arise; none of them favours this script on purpose. Word2Vec has no
scikit-learn equivalent and is recorded as not applicable.

Run (in the .venv-bench venv, see bench/requirements.txt):
  .venv-bench/bin/python bench/python/sklearn_baseline.py --data CSV --text COL --label COL
      --work DIR --result JSON [--sets hashing_tf,tfidf]
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

FEATURE_SETS = ("hashing_tf", "tfidf", "word2vec")
DEFAULT_SETS = "hashing_tf,tfidf"
NOT_APPLICABLE = {"word2vec": "scikit-learn has no Word2Vec; the seed's third feature set is not reproduced"}

# The seed's cleaning (its step 5), in its order; Python's re and Java's regex agree on these patterns.
CLEANING = (
    (re.compile(r"<.*/>"), ""),
    (re.compile(r"[^A-Za-z ]"), ""),
    (re.compile(r" +"), " "),
)
# Kindling's default (and both presets'): the seed's rules with a removed character turned into a space.
MENDED_CLEANING = (
    (re.compile(r"<[^<>]*>"), " "),
    (re.compile(r"[^A-Za-z ]"), " "),
    (re.compile(r" +"), " "),
)
NON_WORD = re.compile(r"\W")
# What a practitioner tunes scikit-learn to (issue 18's baseline): TF-IDF over 2^18 hashed words, L2
# logistic regression, C from a small grid.
TUNED_FEATURES = 2**18
TUNED_C = [0.3, 1.0, 3.0]


class UsageError(Exception):
    """Bad arguments or input: reported in one line, exit code 2."""


def log(message: str) -> None:
    # Progress on stderr only; stdout stays free for whoever spawns us.
    print(f"[sklearn {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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
    tuned: bool = False


def parse_sets(value: str) -> tuple[str, ...]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in FEATURE_SETS]
    if unknown or not names:
        raise UsageError(
            f"--sets: unknown or empty {unknown or value!r}; choose from {','.join(FEATURE_SETS)}"
        )
    return tuple(name for name in FEATURE_SETS if name in names)


def parse_args(argv: list[str]) -> Args:
    parser = argparse.ArgumentParser(description="scikit-learn baseline for the seed's job (benchmark).")
    parser.add_argument("--data", required=True, type=Path, help="CSV with a header row")
    parser.add_argument("--text", required=True, help="text column")
    parser.add_argument("--label", required=True, help="label column")
    parser.add_argument("--work", required=True, type=Path, help="accepted for symmetry; nothing is written")
    parser.add_argument("--result", required=True, type=Path, help="JSON file to write")
    parser.add_argument("--sets", default=DEFAULT_SETS, help=f"comma list (default: {DEFAULT_SETS})")
    parser.add_argument(
        "--tuned",
        action="store_true",
        help="TF-IDF of 2^18 hashed words and L2 logistic regression over C in {0.3, 1, 3}, Kindling's"
        " mended cleaning: the tuned baseline presets are measured against (--sets is ignored)",
    )
    ns = parser.parse_args(argv)
    if not ns.data.is_file():
        raise UsageError(f"--data: file not found: {ns.data}")
    if ns.text == ns.label:
        raise UsageError("--text and --label must name different columns")
    sets = ("tfidf",) if ns.tuned else parse_sets(ns.sets)
    return Args(ns.data, ns.text, ns.label, ns.work, ns.result, sets, ns.tuned)


def import_libraries() -> dict[str, Any]:
    """The counterpart of starting a SparkSession: importing numpy and scikit-learn."""
    names = [
        "numpy",
        "sklearn",
        "sklearn.exceptions",
        "sklearn.feature_extraction.text",
        "sklearn.linear_model",
        "sklearn.metrics",
        "sklearn.model_selection",
        "sklearn.pipeline",
        "sklearn.preprocessing",
    ]
    return {name: importlib.import_module(name) for name in names}


def read_rows(path: Path, text: str, label: str) -> tuple[list[str], list[str]]:
    """Reads the two columns, dropping rows where either is empty (the seed's dropna)."""
    # Reviews and e-mails can exceed the csv module's 128 KiB default field limit.
    csv.field_size_limit(2**31 - 1)
    texts: list[str] = []
    labels: list[str] = []
    dropped = 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in (text, label) if name not in (reader.fieldnames or [])]
        if missing:
            raise UsageError(f"column(s) {missing} not in {path}; columns are {reader.fieldnames}")
        for row in reader:
            if not row.get(text) or not row.get(label):
                dropped += 1
                continue
            texts.append(row[text])
            labels.append(row[label])
    if dropped:
        log(f"dropped {dropped} rows with an empty {text!r} or {label!r}")
    return texts, labels


def tokens(text: str, stop_words: frozenset[str], cleaning: tuple[Any, ...] = CLEANING) -> list[str]:
    for pattern, replacement in cleaning:
        text = pattern.sub(replacement, text)
    # As Spark's RegexTokenizer: split on \W, drop empty tokens (minTokenLength=1).
    words = [word for word in NON_WORD.split(text.lower()) if word]
    return [word for word in words if word not in stop_words]


def hashed_counts(
    libs: dict[str, Any],
    texts: list[str],
    stop_words: frozenset[str],
    n_features: int = 250,
    cleaning: tuple[Any, ...] = CLEANING,
) -> Any:
    """Term counts in 250 buckets, like Spark's HashingTF(numFeatures=250), from raw text.

    The cleaning + tokenizing function is the vectorizer's analyzer, as a user would write it: documents
    are tokenized one at a time while the sparse matrix is built, never all held as token lists (at a
    million documents those would take several times the memory of the text).
    Both use MurmurHash3 but with different seeds and byte encodings, so words collide differently.
    Hashing is stateless, so vectorizing once, outside the cross-validation, leaks nothing.
    """
    vectorizer = libs["sklearn.feature_extraction.text"].HashingVectorizer(
        n_features=n_features,
        alternate_sign=False,
        norm=None,
        analyzer=partial(tokens, stop_words=stop_words, cleaning=cleaning),
    )
    return vectorizer.transform(texts)


def build_tuned_search(libs: dict[str, Any]) -> Any:
    """TF-IDF (IDF fitted on training folds) and L2 logistic regression, C by 2-fold cross-validation."""
    steps = [
        ("idf", libs["sklearn.feature_extraction.text"].TfidfTransformer()),
        ("lr", libs["sklearn.linear_model"].LogisticRegression(solver="lbfgs", max_iter=1000)),
    ]
    return libs["sklearn.model_selection"].GridSearchCV(
        libs["sklearn.pipeline"].Pipeline(steps),
        {"lr__C": TUNED_C},
        cv=2,
        scoring="f1_weighted",
        n_jobs=-1,
    )


def build_search(libs: dict[str, Any], name: str) -> Any:
    np = libs["numpy"]
    steps: list[tuple[str, Any]] = []
    if name == "tfidf":
        # Inside the pipeline, so the IDF is fitted on training folds only (the seed fits it on all rows).
        # Spark's IDF is log((m+1)/(df+1)); scikit-learn's smoothed IDF adds 1 to that.
        steps.append(("idf", libs["sklearn.feature_extraction.text"].TfidfTransformer(norm=None)))
    # Spark's LogisticRegression standardizes features by default and has no penalty (regParam=0).
    steps.append(("scale", libs["sklearn.preprocessing"].StandardScaler(with_mean=False)))
    # C=inf is scikit-learn 1.9's spelling of penalty=None (penalty= is deprecated since 1.8).
    steps.append(("lr", libs["sklearn.linear_model"].LogisticRegression(C=np.inf, solver="lbfgs")))
    return libs["sklearn.model_selection"].GridSearchCV(
        libs["sklearn.pipeline"].Pipeline(steps),
        {"lr__max_iter": [10, 15, 20]},
        cv=2,
        # Spark's MulticlassClassificationEvaluator default "f1" is the label-weighted F1.
        scoring="f1_weighted",
        n_jobs=-1,
    )


def train_one(
    libs: dict[str, Any], name: str, split: tuple[Any, Any, Any, Any], timer: StageTimer, tuned: bool = False
) -> dict[str, Any]:
    x_train, x_test, y_train, y_test = split
    with timer.stage(f"train:{name}"):
        search = (build_tuned_search(libs) if tuned else build_search(libs, name)).fit(x_train, y_train)
    with timer.stage(f"evaluate:{name}"):
        accuracy = float(libs["sklearn.metrics"].accuracy_score(y_test, search.predict(x_test)))
    log(f"{name}: accuracy {accuracy:.4f}")
    scores = search.cv_results_
    param, name_of = ("lr__C", "c") if tuned else ("lr__max_iter", "max_iter")
    cast = float if tuned else int
    return {
        "accuracy": accuracy,
        "train_rows": int(x_train.shape[0]),
        "test_rows": int(x_test.shape[0]),
        f"best_{name_of}": cast(search.best_params_[param]),
        f"cv_f1_by_{name_of}": {
            str(params[param]): float(score)
            for params, score in zip(scores["params"], scores["mean_test_score"], strict=True)
        },
    }


def write_result(path: Path, result: dict[str, Any]) -> None:
    # Temp name then rename, so a reader never sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp, path)


def run(args: Args) -> dict[str, Any]:
    timer = StageTimer()
    start = time.perf_counter()
    libs = import_libraries()
    startup = time.perf_counter() - start
    # max_iter is 10-20 on purpose (the seed's grid): not converging is expected. GridSearchCV's workers
    # inherit this filter (scikit-learn forwards warning filters to joblib workers).
    warnings.filterwarnings("ignore", category=libs["sklearn.exceptions"].ConvergenceWarning)
    with timer.stage("read"):
        texts, labels = read_rows(args.data, args.text, args.label)
    # scikit-learn's list has 318 words, Spark's English list 181; each has words the other lacks.
    stop_words = libs["sklearn.feature_extraction.text"].ENGLISH_STOP_WORDS
    trained = [name for name in args.sets if name not in NOT_APPLICABLE]
    results: dict[str, Any] = {}
    if trained:
        # Clean, tokenize and count once: both sets start from the same counts (timed under the first).
        with timer.stage(f"featurize:{trained[0]}"):
            counts = (
                hashed_counts(libs, texts, stop_words, TUNED_FEATURES, MENDED_CLEANING)
                if args.tuned
                else hashed_counts(libs, texts, stop_words)
            )
        with timer.stage("split"):
            split = libs["sklearn.model_selection"].train_test_split(
                counts, labels, test_size=0.3, random_state=11, stratify=None
            )
        results = {name: train_one(libs, name, split, timer, args.tuned) for name in trained}
    for name in args.sets:
        if name in NOT_APPLICABLE:
            results[name] = {"not_applicable": True, "reason": NOT_APPLICABLE[name]}
    return {
        "runner": "sklearn",
        "tuned": args.tuned,
        "rows": len(texts),
        "startup_seconds": startup,
        "stages": [{"name": name, "seconds": seconds} for name, seconds in timer.stages],
        "feature_sets": results,
        "versions": {
            "python": sys.version.split()[0],
            "sklearn": libs["sklearn"].__version__,
            "numpy": libs["numpy"].__version__,
        },
    }


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
        result = run(args)
    except UsageError as err:
        print(f"sklearn_baseline: {err}", file=sys.stderr)
        return 2
    write_result(args.result, result)
    log(f"result written to {args.result}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
