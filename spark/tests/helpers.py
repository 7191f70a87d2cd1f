"""Spec documents and tiny corpora for tests."""

from __future__ import annotations

import copy
import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pyspark

from kindling_job.events import PREFIX
from kindling_job.main import main

# The Spark line these tests run on: the job's tests run under every line Kindling supports.
RUNNING_LINE = ".".join(pyspark.__version__.split(".")[:2])

# The defaults of docs/job-spec.md (the seed's parameters).
SEED_SPEC: dict[str, Any] = {
    "spec_version": 1,
    "run": {
        "id": "20261127-231500-test-0001",
        "created_at": "2026-11-27T23:15:00.000Z",
        "kindling_version": "0.1.0",
        "target": "local",
    },
    "input": {
        "uri": "file:///nowhere/data.csv",
        "format": "csv",
        "text_column": "text",
        "label_column": "label",
        "csv": {
            "header": True,
            "delimiter": ",",
            "quote": '"',
            "escape": '"',
            "multiline": True,
            "encoding": "UTF-8",
        },
    },
    "text": {
        "clean": [
            {"pattern": "<.*/>", "replacement": ""},
            {"pattern": "[^\\p{Alpha} ]", "replacement": ""},
            {"pattern": " +", "replacement": " "},
        ],
        "lowercase": True,
        "tokenizer_pattern": "\\W",
        "min_token_length": 1,
        "stop_words": {"language": "english"},
    },
    "feature_sets": [
        {"name": "hashing_tf", "kind": "hashing_tf", "num_features": 250},
        {"name": "tfidf", "kind": "tfidf", "num_features": 250, "min_doc_freq": 0},
        {
            "name": "word2vec",
            "kind": "word2vec",
            "vector_size": 250,
            "min_count": 5,
            "max_iter": 1,
            "num_partitions": 1,  # the compiled default: reproducible run to run
            "step_size": 0.025,
            "window_size": 5,
            "seed": 11,
            "scaler": "minmax",
        },
    ],
    "training": {
        "split": {"train_fraction": 0.7, "seed": 11},
        "model": {
            "kind": "logistic_regression",
            "grid": {"max_iter": [10, 15, 20], "reg_param": [0.0], "elastic_net_param": [0.0]},
        },
        "cv": {"folds": 2, "metric": "f1", "seed": 11, "parallelism": None},
    },
    "output": {"uri": "file:///nowhere/run", "write_features": False, "success_marker": False},
    "spark": {"partitions": None, "line": RUNNING_LINE},
}


def seed_spec() -> dict[str, Any]:
    """A fresh, mutable copy of the seed-default spec."""
    return copy.deepcopy(SEED_SPEC)


def quick_spec(input_uri: str, run_dir: Path) -> dict[str, Any]:
    """Seed defaults with a smaller grid and word2vec, to keep the suite fast."""
    doc = seed_spec()
    doc["input"]["uri"] = input_uri
    doc["output"]["uri"] = run_dir.as_uri()
    doc["training"]["model"]["grid"]["max_iter"] = [5, 10]
    doc["feature_sets"][2]["vector_size"] = 16
    return doc


def write_spec(path: Path, doc: dict[str, Any]) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


_WORDS = {
    "spam": "free money offer winner prize click cash bonus credit cheap deal urgent",
    "ham": "meeting project review schedule team report lunch agenda notes draft budget call",
    "news": "election weather sports market economy match forecast vote league stocks rain goal",
    "filler": "the a and of to is in it",
}
VOCAB = {label: words.split() for label, words in _WORDS.items()}
FILLER = VOCAB.pop("filler")


def corpus(n: int, labels: list[str], seed: int = 7) -> list[tuple[str, str]]:
    """(text, label) rows: each label has its own vocabulary; texts carry HTML, punctuation, quotes,
    commas and line breaks so the CSV needs RFC 4180 quoting and multiLine parsing."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = labels[i % len(labels)]
        words = [rng.choice(VOCAB[label]) for _ in range(rng.randint(6, 12))]
        words += [rng.choice(FILLER) for _ in range(3)]
        rng.shuffle(words)
        cut = len(words) // 2
        text = " ".join(words[:cut]) + ',<br />"quoted", 42!\n' + " ".join(words[cut:])
        rows.append((text, label))
    return rows


def write_csv(path: Path, rows: list[tuple[Any, ...]], header: tuple[str, ...] = ("text", "label")) -> str:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path.as_uri()


def run_job(doc: dict[str, Any], run_dir: Path) -> tuple[int, list[dict[str, Any]]]:
    """Runs the job through `main` with `doc` as its spec; the exit code and the events it printed."""
    run_dir.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    code = main(["--spec", write_spec(run_dir / "spec.json", doc)], stdout=out)
    lines = out.getvalue().splitlines()
    assert all(line.startswith(PREFIX) for line in lines)  # the job prints nothing else on stdout
    return code, [json.loads(line[len(PREFIX) :]) for line in lines]
