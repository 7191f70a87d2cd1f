"""End-to-end checks of the two benchmark baselines: each script is spawned as the harness spawns it.

Run from the repo root:
  .venv-bench/bin/python -m pytest bench/python   (both; the Spark one shells out to .venv)
  .venv/bin/python -m pytest bench/python         (the sklearn test is skipped: no scikit-learn there)
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1]
REPO = BENCH.parents[1]
SPARK_VENV_BIN = REPO / ".venv" / "bin"
SEED_LITERAL = BENCH / "seed_literal.py"
SKLEARN_BASELINE = BENCH / "sklearn_baseline.py"

ROWS_PER_CLASS = 100
SPORT = [
    "football",
    "match",
    "goal",
    "team",
    "player",
    "score",
    "stadium",
    "coach",
    "league",
    "referee",
    "season",
]
FOOD = ["recipe", "oven", "flour", "sugar", "bake", "kitchen", "dinner", "butter", "garlic", "sauce", "pasta"]
FILLER = ["the", "a", "and", "of", "it", "is", "was", "very", "really"]


def sentence(rng: random.Random, words: list[str]) -> str:
    picked = rng.choices(words, k=8) + rng.choices(FILLER, k=4)
    rng.shuffle(picked)
    # HTML, digits and punctuation give the cleaning regexes something to remove.
    return f"{' '.join(picked[:6])}<br /> {' '.join(picked[6:])}, 42 times!"


def write_corpus(path: Path) -> None:
    """Two separable classes, single-line texts, plus two rows without a label (dropped by both)."""
    rng = random.Random(7)
    rows = [(sentence(rng, SPORT), "sport") for _ in range(ROWS_PER_CLASS)]
    rows += [(sentence(rng, FOOD), "food") for _ in range(ROWS_PER_CLASS)]
    rng.shuffle(rows)
    rows += [('a "quoted" text with no label', ""), ("another unlabelled text", "")]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)


def spark_env() -> dict[str, str]:
    # spark-submit finds SPARK_HOME through the `python3` first on PATH: the project venv's.
    python = str(SPARK_VENV_BIN / "python")
    return {
        **os.environ,
        "PATH": f"{SPARK_VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYSPARK_PYTHON": python,
        "PYSPARK_DRIVER_PYTHON": python,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }


def script_args(tmp_path: Path, data: Path, sets: str) -> list[str]:
    return [
        *("--data", str(data), "--text", "text", "--label", "label"),
        *("--work", str(tmp_path / "work"), "--result", str(tmp_path / "result.json"), "--sets", sets),
    ]


def check_result(tmp_path: Path, runner: str, trained: list[str], tuned: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((tmp_path / "result.json").read_text())
    keys = {"runner", "rows", "startup_seconds", "stages", "feature_sets", "versions"}
    assert set(result) == (keys | {"tuned"} if runner == "sklearn" else keys)
    assert result["runner"] == runner
    assert result["rows"] == 2 * ROWS_PER_CLASS
    assert result["startup_seconds"] > 0
    names = [stage["name"] for stage in result["stages"]]
    assert names[0] == "read"
    assert all(stage["seconds"] >= 0 for stage in result["stages"])
    for name in trained:
        assert f"train:{name}" in names
        assert f"evaluate:{name}" in names
        metrics = result["feature_sets"][name]
        # Majority class is 50%; these classes share no content word.
        assert metrics["accuracy"] >= 0.8
        assert metrics["train_rows"] + metrics["test_rows"] == result["rows"]
        assert 0.15 < metrics["test_rows"] / result["rows"] < 0.45  # a 70/30 split on 200 rows
        if tuned:
            assert metrics["best_c"] in (0.3, 1.0, 3.0)
            assert set(metrics["cv_f1_by_c"]) == {"0.3", "1.0", "3.0"}
        else:
            assert metrics["best_max_iter"] in (10, 15, 20)
    assert not list(tmp_path.glob(".result.json.*"))  # the temp file was renamed away
    return result


@pytest.mark.slow
def test_seed_literal_end_to_end(tmp_path: Path) -> None:
    if not (SPARK_VENV_BIN / "python").exists() or shutil.which("java") is None:
        pytest.skip("needs the project venv (.venv with PySpark) and Java")
    data = tmp_path / "corpus.csv"
    write_corpus(data)
    # Launched as the harness should: plain python, so the JVM starts inside the timed SparkSession
    # creation and stderr stays stderr (spark-submit merges the driver's stderr into its stdout).
    # Small-data settings only: the script itself keeps the seed's defaults.
    env = spark_env()
    env["PYSPARK_SUBMIT_ARGS"] = (
        "--master local[2] --conf spark.sql.shuffle.partitions=2 --conf spark.ui.enabled=false pyspark-shell"
    )
    sets = "hashing_tf,tfidf,word2vec"
    done = subprocess.run(
        [str(SPARK_VENV_BIN / "python"), str(SEED_LITERAL), *script_args(tmp_path, data, sets)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == ""
    result = check_result(tmp_path, "seed-literal", sets.split(","))
    assert result["versions"]["pyspark"] == "3.5.6"
    for name in sets.split(","):
        # Parquet partitioned by the indexed label, and the saved CrossValidatorModel.
        assert sorted(p.name for p in (tmp_path / "work" / "features" / name).glob("label=*")) == [
            "label=0.0",
            "label=1.0",
        ]
        model = tmp_path / "work" / "output" / f"LogisticRegression_{name}"
        assert (model / "metadata").is_dir()
        assert (model / "bestModel").is_dir()


def test_sklearn_baseline_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="run with .venv-bench/bin/python -m pytest")
    data = tmp_path / "corpus.csv"
    write_corpus(data)
    done = subprocess.run(
        [sys.executable, str(SKLEARN_BASELINE), *script_args(tmp_path, data, "hashing_tf,tfidf,word2vec")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == ""
    result = check_result(tmp_path, "sklearn", ["hashing_tf", "tfidf"])
    assert result["feature_sets"]["word2vec"]["not_applicable"] is True
    assert set(result["versions"]) == {"python", "sklearn", "numpy"}


def test_sklearn_tuned_baseline_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="run with .venv-bench/bin/python -m pytest")
    data = tmp_path / "corpus.csv"
    write_corpus(data)
    done = subprocess.run(
        [sys.executable, str(SKLEARN_BASELINE), *script_args(tmp_path, data, "hashing_tf"), "--tuned"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = check_result(tmp_path, "sklearn", ["tfidf"], tuned=True)
    assert result["tuned"] is True
    assert list(result["feature_sets"]) == ["tfidf"]  # --sets is ignored: the tuned baseline is one model


def bad_path_runs() -> list[Any]:
    # The argument check runs before any Spark or scikit-learn import is used, so any python will do
    # for seed_literal as long as pyspark imports: the project venv's.
    runs = [pytest.param([sys.executable, str(SKLEARN_BASELINE)], id="sklearn")]
    spark_python = SPARK_VENV_BIN / "python"
    runs.append(
        pytest.param(
            [str(spark_python), str(SEED_LITERAL)],
            id="seed-literal",
            marks=pytest.mark.skipif(not spark_python.exists(), reason="needs the project venv"),
        )
    )
    return runs


@pytest.mark.parametrize("command", bad_path_runs())
def test_missing_data_file_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nope.csv"
    done = subprocess.run(
        [*command, *script_args(tmp_path, missing, "hashing_tf")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert f"--data: file not found: {missing}" in done.stderr
    assert not (tmp_path / "result.json").exists()


@pytest.mark.parametrize("script", [SEED_LITERAL, SKLEARN_BASELINE], ids=["seed-literal", "sklearn"])
def test_unknown_feature_set_is_a_usage_error(tmp_path: Path, script: Path) -> None:
    data = tmp_path / "corpus.csv"
    write_corpus(data)
    python = SPARK_VENV_BIN / "python" if script == SEED_LITERAL else Path(sys.executable)
    if not python.exists():
        pytest.skip("needs the project venv")
    done = subprocess.run(
        [str(python), str(script), *script_args(tmp_path, data, "hashing_tf,bow")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "--sets" in done.stderr
    assert "bow" in done.stderr
