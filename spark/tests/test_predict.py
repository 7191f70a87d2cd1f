"""The predict entry mode through `main`: a trained run's model scores held-out rows exactly as the run's
evaluation did, and bad requests fail in `load` with a typed error."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from kindling_job.events import PREFIX
from kindling_job.ingest import input_stats, prepare, read_input
from kindling_job.main import main
from kindling_job.spec import parse_spec
from kindling_job.train import split

from .helpers import corpus, seed_spec, write_csv, write_spec

# Predicting observes its counts: see conftest.pytest_collection_modifyitems.
pytestmark = [pytest.mark.usefixtures("spark"), pytest.mark.observes]


def run(doc: dict[str, Any], spec_file: Path) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    code = main(["--spec", write_spec(spec_file, doc)], stdout=out)
    return code, [json.loads(line[len(PREFIX) :]) for line in out.getvalue().splitlines()]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tfidf run on a small two-class corpus (fixed partitions, so its split can be reproduced)."""
    root = tmp_path_factory.mktemp("predict")
    data = write_csv(root / "data.csv", list(corpus(80, ["spam", "ham"], seed=3)))
    run_dir = root / "run"
    run_dir.mkdir()
    doc = seed_spec()
    doc["input"]["uri"] = data
    doc["output"]["uri"] = run_dir.as_uri()
    doc["feature_sets"] = [{"name": "tfidf", "kind": "tfidf", "num_features": 64, "min_doc_freq": 0}]
    doc["training"]["model"]["grid"]["max_iter"] = [3]  # few iterations: some test rows are misclassified
    doc["spark"]["partitions"] = 2
    code, events = run(doc, run_dir / "spec.json")
    assert code == 0, events
    return {"root": root, "run_dir": run_dir, "spec": doc}


def predict_doc(trained: dict[str, Any], input_uri: str, out: Path, fmt: str = "csv") -> dict[str, Any]:
    train_spec = trained["spec"]
    return {
        "spec_version": 1,
        "kind": "predict",
        "run": {"id": train_spec["run"]["id"], "kindling_version": "0.1.0", "target": "local"},
        "model": {"uri": (trained["run_dir"] / "models" / "tfidf").as_uri(), "feature_set": "tfidf"},
        "input": {
            "uri": input_uri,
            "format": "csv",
            "text_column": "text",
            "csv": train_spec["input"]["csv"],
        },
        "output": {"uri": out.as_uri(), "format": fmt},
    }


def test_held_out_rows_score_as_the_run_evaluated_them(
    spark: SparkSession, trained: dict[str, Any], tmp_path: Path
) -> None:
    # The test split, rebuilt with the job's own functions from the same file, seed and partition count.
    spec = parse_spec(trained["spec"])
    raw = read_input(spark, spec.input)
    stats = input_stats(raw, spec.input.text_column, spec.input.label_column)
    _, test = split(prepare(raw, spec.input, stats.labels, 2), spec.training.split)
    held_out = [(f"id-{i}", r["text"], r["label_value"]) for i, r in enumerate(test.collect())]
    # `label` as in the training data: the model never reads it, so it simply passes through.
    data = write_csv(tmp_path / "held_out.csv", held_out, header=("id", "text", "label"))
    out = tmp_path / "scored"

    code, events = run(predict_doc(trained, data, out), tmp_path / "predict.json")

    assert code == 0, events
    assert [(e["event"], e["stage"]) for e in events] == [
        (kind, stage) for stage in ("load", "predict", "write") for kind in ("stage_start", "stage_end")
    ]
    (part,) = (out / "data").glob("part-*.csv")
    with part.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    added = ["predicted_label", "probability", "probability_ham", "probability_spam"]
    assert list(rows[0]) == ["id", "text", "label", *added]
    assert [(r["id"], r["text"]) for r in rows] == [(i, t) for i, t, _ in held_out]  # order and text kept

    metrics = json.loads((trained["run_dir"] / "metrics.json").read_text(encoding="utf-8"))
    expected = metrics["feature_sets"]["tfidf"]["confusion_matrix"]
    labels = expected["labels"]
    matrix = [[0] * len(labels) for _ in labels]
    for r in rows:
        matrix[labels.index(r["label"])][labels.index(r["predicted_label"])] += 1
    assert matrix == expected["matrix"]
    for r in rows:
        per_class = [float(r[f"probability_{label}"]) for label in labels]
        assert sum(per_class) == pytest.approx(1.0)
        assert float(r["probability"]) == pytest.approx(max(per_class))
        assert r["predicted_label"] == labels[per_class.index(max(per_class))]

    result = json.loads((out / "predict.json").read_text(encoding="utf-8"))
    assert result["rows"] == len(held_out)
    assert result["empty_text"] == sum(1 for _, t, _ in held_out if not (t or "").strip())
    assert result["labels"] == labels
    assert result["predicted"] == {
        label: sum(1 for r in rows if r["predicted_label"] == label) for label in labels
    }


def test_parquet_output_keeps_input_types(
    spark: SparkSession, trained: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    spark.createDataFrame([(7, "free cash prize now"), (8, None)], ["n", "text"]).write.parquet(str(source))
    doc = predict_doc(trained, source.as_uri(), tmp_path / "out", fmt="parquet")
    doc["input"] = {"uri": source.as_uri(), "format": "parquet", "text_column": "text"}
    code, events = run(doc, tmp_path / "p.json")
    assert code == 0, events
    out = spark.read.parquet(str(tmp_path / "out" / "data")).orderBy("n").collect()
    assert [r["n"] for r in out] == [7, 8]
    assert out[0]["predicted_label"] == "spam"
    assert out[1]["predicted_label"] in {"ham", "spam"}  # a null text is scored as empty text
    result = json.loads((tmp_path / "out" / "predict.json").read_text(encoding="utf-8"))
    assert (result["rows"], result["empty_text"]) == (2, 1)


def test_another_column_is_read_as_the_models_text_column(
    spark: SparkSession, trained: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "tickets.parquet"
    rows = [(1, "free cash prize, click now"), (2, "free cash prize, click now")]
    spark.createDataFrame(rows, ["n", "body"]).write.parquet(str(source))
    doc = predict_doc(trained, source.as_uri(), tmp_path / "out", fmt="parquet")
    doc["model"]["text_column"] = "text"
    doc["input"] = {"uri": source.as_uri(), "format": "parquet", "text_column": "body"}
    code, events = run(doc, tmp_path / "p.json")
    assert code == 0, events
    out = spark.read.parquet(str(tmp_path / "out" / "data"))
    assert out.columns[:2] == ["n", "body"]  # the input's own name, in its place
    assert {r["predicted_label"] for r in out.collect()} == {"spam"}
    # A text column of the model's name beside it would be read in its place: refused.
    both = tmp_path / "both.parquet"
    spark.createDataFrame([(1, "a", "b")], ["n", "body", "text"]).write.parquet(str(both))
    doc["input"]["uri"] = both.as_uri()
    doc["output"]["uri"] = (tmp_path / "out2").as_uri()
    code, events = run(doc, tmp_path / "p2.json")
    assert code == 1
    assert events[-1]["kind"] == "ColumnConflict"


def test_csv_output_keeps_the_text_byte_for_byte(trained: dict[str, Any], tmp_path: Path) -> None:
    texts = [
        "  leading and trailing spaces  ",
        "html tail\n\n</html>\n\n",
        'claims of \\"grade fixing\\" and ""doubled"", commas',
        "ends with a backslash\\",
        "naïve café — ünïcödé ✓",
        "",
    ]
    data = write_csv(tmp_path / "in.csv", [(t,) for t in texts], header=("text",))
    code, events = run(predict_doc(trained, data, tmp_path / "o"), tmp_path / "s.json")
    assert code == 0, events
    (part,) = (tmp_path / "o" / "data").glob("part-*.csv")
    with part.open(encoding="utf-8", newline="") as f:
        back = [r["text"] for r in csv.DictReader(f)]
    assert back == texts
    # Spark's CSV reader turns a CRLF inside a quoted field into LF (training reads the same way).


def error_of(code: int, events: list[dict[str, Any]]) -> tuple[str, str, str]:
    assert code == 1
    e = events[-1]
    return e["stage"], e["kind"], e["message"]


def test_input_without_the_text_column(trained: dict[str, Any], tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [("x", "hello")], header=("id", "body"))
    stage, kind, message = error_of(*run(predict_doc(trained, data, tmp_path / "o"), tmp_path / "s.json"))
    assert (stage, kind) == ("load", "MissingColumn")
    assert message == "text column 'text' not found in the input; available columns: 'id', 'body'"
    assert not (tmp_path / "o").exists()


def test_input_with_a_column_predict_adds(trained: dict[str, Any], tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [("hi", "0.5")], header=("text", "probability_spam"))
    stage, kind, message = error_of(*run(predict_doc(trained, data, tmp_path / "o"), tmp_path / "s.json"))
    assert (stage, kind) == ("load", "ColumnConflict")
    assert "'probability_spam'" in message


def test_refuses_an_existing_output_and_a_missing_model(trained: dict[str, Any], tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [("hi",)], header=("text",))
    (tmp_path / "o").mkdir()
    assert (
        error_of(*run(predict_doc(trained, data, tmp_path / "o"), tmp_path / "s.json"))[1] == "OutputExists"
    )
    doc = predict_doc(trained, data, tmp_path / "o2")
    doc["model"]["uri"] = (tmp_path / "nope").as_uri()
    assert error_of(*run(doc, tmp_path / "s.json"))[:2] == ("load", "ModelNotFound")
    doc["model"]["extra"] = 1
    stage, kind, message = error_of(*run(doc, tmp_path / "s.json"))
    assert (stage, kind) == ("load", "SpecError")
    assert "model.extra" in message
