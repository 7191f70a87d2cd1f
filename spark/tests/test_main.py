"""The job end to end through `main`, as spark-submit runs it (minus the process boundary)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from py4j.protocol import Py4JJavaError
from pyspark.ml import PipelineModel
from pyspark.sql import SparkSession

from kindling_job.identical import ALL_CORRECT, IDF_UNDONE, SAME_PREDICTIONS
from kindling_job.main import _message
from kindling_job.spec import SPARK_LINES

from .helpers import RUNNING_LINE, corpus, quick_spec, run_job, write_csv

pytestmark = pytest.mark.usefixtures("spark")  # main() reuses the suite's session

METRIC_KEYS = {
    "feature_set",
    "classifier",
    "accuracy",
    "f1",
    "precision",
    "recall",
    "area_under_roc",
    "confusion_matrix",
    "per_class",
    "curves",
    "best_params",
    "cv_metric",
    "cv_scores",
    "cv_best",
    "train_rows",
    "test_rows",
}


def test_binary_run_writes_every_output(spark: SparkSession, tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    write_csv(data, list(corpus(60, ["spam", "ham"])))
    with data.open("a", encoding="utf-8", newline="") as f:
        f.write(',"ham"\r\n"no label",\r\n')  # unquoted empty fields read as null
    run_dir = tmp_path / "runs" / "r1"
    doc = quick_spec(data.as_uri(), run_dir)
    doc["output"].update(write_features=True, success_marker=True)

    code, events = run_job(doc, run_dir)

    assert code == 0, events
    names = ["hashing_tf", "tfidf", "word2vec"]
    per_set = {n: [f"{s}:{n}" for s in ("featurize", "train", "evaluate", "save", "features")] for n in names}
    stages = ["load", "prepare", *(stage for n in names for stage in per_set[n])]
    marks = [(e["event"], e["stage"]) for e in events if e["event"].startswith("stage_")]
    ended = ("stage_start", "stage_end")
    assert marks[:4] == [(kind, stage) for stage in ["load", "prepare"] for kind in ended]
    assert marks[-2:] == [(kind, "write") for kind in ended]
    # hashing_tf, then tfidf; Word2Vec's one-partition fit on a thread beside them (two cores here).
    in_order = [m for m in marks[4:-2] if not m[1].endswith(":word2vec")]
    assert in_order == [(kind, stage) for n in names[:2] for stage in per_set[n] for kind in ended]
    beside = [m for m in marks[4:-2] if m[1].endswith(":word2vec")]
    assert beside == [(kind, stage) for stage in per_set["word2vec"] for kind in ended]
    starts = [stage for kind, stage in marks if kind == "stage_start"]
    assert starts.index("featurize:word2vec") < starts.index("featurize:tfidf")
    # Each training stage reports every fit its cross-validation evaluates, while it runs.
    running: set[str] = set()
    fits: dict[str, list[tuple[int, int]]] = {}
    for e in events:
        if e["event"] == "stage_start":
            running.add(e["stage"])
        elif e["event"] == "stage_end":
            running.remove(e["stage"])
        elif e["event"] == "cv_progress":
            assert e["stage"] in running
            fits.setdefault(e["stage"], []).append((e["done"], e["total"]))
    assert fits == {f"train:{n}": [(k, 4) for k in range(1, 5)] for n in names}
    assert [e for e in events if e["event"] == "rows"] == [
        {"event": "rows", "read": 62, "rejected": 0, "null_dropped": 2, "used": 60}
    ]
    assert all(e["seconds"] >= 0 for e in events if e["event"] == "stage_end")
    assert all(isinstance(e["ts"], float) for e in events if e["event"] == "stage_start")

    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["label_values"] == ["ham", "spam"]  # equal counts: alphabetical
    assert metrics["best_feature_set"] in names
    assert set(metrics["feature_sets"]) == set(names)
    for name, m in metrics["feature_sets"].items():
        assert set(m) == METRIC_KEYS, name
        assert (m["feature_set"], m["classifier"]) == (name, "logistic_regression")
        assert m["train_rows"] + m["test_rows"] == 60
        assert sum(map(sum, m["confusion_matrix"]["matrix"])) == m["test_rows"]
        assert m["confusion_matrix"]["labels"] == ["ham", "spam"]
        assert m["area_under_roc"] is not None
        roc = [(p["fpr"], p["tpr"]) for p in m["curves"]["roc"]]
        assert roc[0] == (0.0, 0.0)
        assert roc[-1] == (1.0, 1.0)
        assert m["curves"]["positive_label"] == "spam"
        assert m["cv_metric"] == "f1"
        assert [s["params"]["max_iter"] for s in m["cv_scores"]] == [5, 10]
        assert set(m["best_params"]) == {"max_iter", "reg_param", "elastic_net_param"}
        assert m["accuracy"] >= 0.8, (name, m)  # the two vocabularies are easy to tell apart

    job = json.loads((run_dir / "job.json").read_text(encoding="utf-8"))
    assert job["rows"] == {"read": 62, "null_dropped": 2, "rejected": 0, "used": 60}
    assert job["rejects"] == {"rows": 0, "max_fraction": 0.01, "uri": None}
    assert not (run_dir / "rejects").exists()
    assert job["null_counts"] == {"text": 1, "label": 1}
    assert job["class_balance"] == {"ham": 30, "spam": 30}
    assert sorted(s["name"] for s in job["stages"]) == sorted(stages)
    assert set(job["versions"]) == {"spark", "python", "java", "scala"}
    assert job["versions"]["spark"] == spark.version
    assert job["partitions"] == 2 * spark.sparkContext.defaultParallelism
    assert job["prepared_cache"] == []  # the spec names no entry

    assert (run_dir / "_SUCCESS").read_text() == ""
    features = spark.read.parquet(str(run_dir / "features" / "tfidf"))
    assert {"label", "features", "text", "label_value"} <= set(features.columns)
    assert sorted(p.name for p in (run_dir / "features" / "tfidf").glob("label=*")) == [
        "label=0.0",
        "label=1.0",
    ]
    model = PipelineModel.load(str(run_dir / "models" / "word2vec"))
    scored = model.transform(spark.createDataFrame([("free cash prize, click now",)], ["text"])).first()
    assert scored is not None
    assert scored["predicted_label"] == "spam"


def test_several_classifiers_save_a_model_per_feature_set_and_classifier(
    spark: SparkSession, tmp_path: Path
) -> None:
    data = write_csv(tmp_path / "data.csv", list(corpus(60, ["spam", "ham"])))
    run_dir = tmp_path / "r3"
    doc = quick_spec(data, run_dir)
    doc["feature_sets"] = doc["feature_sets"][:2]  # hashing_tf and tfidf, 250 buckets each
    lr = doc["training"]["model"]  # the seed's: standardized, no regularization
    svc = {"kind": "linear_svc", "grid": {"max_iter": [20], "reg_param": [0.01]}, "standardization": True}
    nb = {"kind": "naive_bayes", "grid": {"smoothing": [1.0]}, "model_type": "multinomial"}
    doc["training"]["model"] = [lr, svc, nb]

    code, events = run_job(doc, run_dir)

    assert code == 0, events
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    keys = [
        f"{s}/{c}"
        for s in ("hashing_tf", "tfidf")
        for c in ("logistic_regression", "linear_svc", "naive_bayes")
    ]
    assert list(metrics["feature_sets"]) == keys
    assert metrics["best_feature_set"] in keys
    for key, m in metrics["feature_sets"].items():
        assert f"{m['feature_set']}/{m['classifier']}" == key
        assert m["accuracy"] >= 0.8, (key, m)
        assert (run_dir / "models" / key / "metadata").is_dir()
    svc_metrics = metrics["feature_sets"]["tfidf/linear_svc"]
    assert set(svc_metrics["best_params"]) == {"max_iter", "reg_param"}
    assert svc_metrics["curves"]["score"] == "margin"  # LinearSVC has no probability
    assert metrics["feature_sets"]["tfidf/naive_bayes"]["best_params"] == {"smoothing": 1.0}
    # Models that agree on every test row are grouped (this easy corpus may put them all in one group).
    for group in metrics["identical_predictions"]:
        assert len(group["models"]) >= 2
        matrices = {json.dumps(metrics["feature_sets"][k]["confusion_matrix"]) for k in group["models"]}
        assert len(matrices) == 1
        assert group["reason"] in (IDF_UNDONE, SAME_PREDICTIONS, ALL_CORRECT)
    stages = [s["name"] for s in json.loads((run_dir / "job.json").read_text(encoding="utf-8"))["stages"]]
    assert "train:tfidf/naive_bayes" in stages


def test_multiclass_run(spark: SparkSession, tmp_path: Path) -> None:
    labels = ["spam", "ham", "news"]
    data = write_csv(tmp_path / "data.csv", list(corpus(45, labels)))
    run_dir = tmp_path / "r2"
    doc = quick_spec(data, run_dir)
    doc["feature_sets"] = [doc["feature_sets"][1]]  # tfidf

    code, events = run_job(doc, run_dir)

    assert code == 0, events
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["label_values"] == ["ham", "news", "spam"]
    m = metrics["feature_sets"]["tfidf"]
    assert m["area_under_roc"] is None
    assert m["curves"] is None
    assert len(m["confusion_matrix"]["matrix"]) == 3
    assert all(len(row) == 3 for row in m["confusion_matrix"]["matrix"])
    assert not (run_dir / "_SUCCESS").exists()  # success_marker false: the CLI writes it
    model = PipelineModel.load(str(run_dir / "models" / "tfidf"))
    texts = [("election vote forecast rain",), ("meeting agenda budget",), ("free cash prize",)]
    scored = model.transform(spark.createDataFrame(texts, ["text"])).collect()
    assert [r["predicted_label"] for r in scored] == ["news", "ham", "spam"]
    assert all(len(r["probability"]) == 3 for r in scored)


@pytest.mark.parametrize("metric", ["areaUnderROC", "areaUnderPR"])
def test_cross_validation_can_maximize_an_area_under_a_curve(tmp_path: Path, metric: str) -> None:
    data = write_csv(tmp_path / "data.csv", list(corpus(40, ["spam", "ham"])))
    run_dir = tmp_path / "r"
    doc = quick_spec(data, run_dir)
    doc["feature_sets"] = [doc["feature_sets"][0]]  # hashing_tf
    doc["training"]["cv"]["metric"] = metric
    code, events = run_job(doc, run_dir)
    assert code == 0, events
    m = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))["feature_sets"]["hashing_tf"]
    assert m["cv_metric"] == metric
    # Scores of the rows, not labels: an area, between chance and perfect on this separable corpus.
    assert all(0.5 < s["metric"] <= 1.0 for s in m["cv_scores"])
    assert m["cv_best"] == max(s["metric"] for s in m["cv_scores"])


def test_an_area_under_a_curve_needs_two_labels(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "data.csv", list(corpus(15, ["spam", "ham", "news"])))
    run_dir = tmp_path / "r"
    doc = quick_spec(data, run_dir)
    doc["training"]["cv"]["metric"] = "areaUnderROC"
    code, events = run_job(doc, run_dir)
    assert code == 1
    error = error_of(events)
    assert (error["stage"], error["kind"]) == ("prepare", "SpecError")
    assert error["message"] == (
        "training.cv.metric areaUnderROC needs two labels, but 'label' has 3 ('ham', 'news', 'spam');"
        " use f1, accuracy, weightedPrecision or weightedRecall"
    )
    assert sorted(p.name for p in run_dir.iterdir()) == ["spec.json"]


def error_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    assert events[-1]["event"] == "error", events
    return events[-1]


def test_missing_column_fails_in_load_listing_columns(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [("good", "positive")], header=("review", "sentiment"))
    run_dir = tmp_path / "r"
    code, events = run_job(quick_spec(data, run_dir), run_dir)
    assert code == 1
    assert error_of(events) == {
        "event": "error",
        "stage": "load",
        "kind": "MissingColumn",
        "message": "text column 'text' not found in the input; available columns: 'review', 'sentiment'",
    }
    assert sorted(p.name for p in run_dir.iterdir()) == ["spec.json"]


def test_single_class_fails_in_prepare(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [("a b c", "ham"), ("d e f", "ham"), ("g", None)])
    run_dir = tmp_path / "r"
    code, events = run_job(quick_spec(data, run_dir), run_dir)
    assert code == 1
    error = error_of(events)
    assert (error["stage"], error["kind"]) == ("prepare", "SingleClass")
    assert "'label' has 1 distinct value(s) ('ham')" in error["message"]


def test_unknown_spec_version(tmp_path: Path) -> None:
    doc = quick_spec("file:///unused.csv", tmp_path)
    doc["spec_version"] = 2
    code, events = run_job(doc, tmp_path)
    assert code == 1
    error = error_of(events)
    assert (error["stage"], error["kind"]) == ("load", "SpecError")
    assert error["message"].startswith("unsupported spec_version 2; this job understands spec_version 1")


def test_refuses_to_run_on_another_spark_line(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", corpus(10, ["spam", "ham"]))
    run_dir = tmp_path / "r"
    doc = quick_spec(data, run_dir)
    other = next(line for line in SPARK_LINES if line != RUNNING_LINE)
    doc["spark"]["line"] = other
    code, events = run_job(doc, run_dir)
    assert code == 1
    error = error_of(events)
    assert (error["stage"], error["kind"]) == ("load", "SparkLineMismatch")
    assert error["message"].startswith(
        f"the run was planned for Spark {other} (spark.line) but the job runs on Spark {RUNNING_LINE}."
    )
    assert sorted(p.name for p in run_dir.iterdir()) == ["spec.json"]


def test_refuses_to_overwrite_a_previous_attempt(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", corpus(10, ["spam", "ham"]))
    run_dir = tmp_path / "r"
    (run_dir / "models" / "tfidf").mkdir(parents=True)
    code, events = run_job(quick_spec(data, run_dir), run_dir)
    assert code == 1
    error = error_of(events)
    assert (error["stage"], error["kind"]) == ("load", "OutputExists")
    assert error["message"].endswith("/models/tfidf")


def test_refuses_a_previous_attempts_model_of_one_classifier(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", corpus(10, ["spam", "ham"]))
    run_dir = tmp_path / "r"
    (run_dir / "models" / "tfidf" / "naive_bayes").mkdir(parents=True)
    doc = quick_spec(data, run_dir)
    nb = {"kind": "naive_bayes", "grid": {"smoothing": [1.0]}, "model_type": "multinomial"}
    doc["training"]["model"] = [doc["training"]["model"], nb]
    code, events = run_job(doc, run_dir)
    assert code == 1
    error = error_of(events)
    assert (error["stage"], error["kind"]) == ("load", "OutputExists")
    assert error["message"].endswith("/models/tfidf/naive_bayes")


def test_unexpected_failures_name_the_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(tmp_path / "d.csv", corpus(10, ["spam", "ham"]))
    run_dir = tmp_path / "r"
    doc = quick_spec(data, run_dir)
    doc["feature_sets"] = [doc["feature_sets"][1]]
    doc["text"]["clean"].append({"pattern": "a", "replacement": "$9"})  # no group 9: fails in Spark
    code, events = run_job(doc, run_dir)
    assert code == 1
    error = error_of(events)
    # Text is cleaned and tokenized once, while the prepared rows are cached: the failure is in prepare.
    assert (error["stage"], error["kind"]) == ("prepare", "Internal")
    # Spark 3.5 quotes Java's message, Spark 4 names its error class.
    assert "No group 9" in error["message"] or "INVALID_REGEXP_REPLACE" in error["message"]
    assert "Traceback" in capsys.readouterr().err  # the details go to stderr, not to the protocol


def test_text_column_names_needing_quotes(spark: SparkSession, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", corpus(20, ["spam", "ham"]), header=("mail.body `raw`", "class"))
    run_dir = tmp_path / "r"
    doc = quick_spec(data, run_dir)
    doc["input"].update(text_column="mail.body `raw`", label_column="class")
    doc["feature_sets"] = [doc["feature_sets"][0]]
    doc["output"]["write_features"] = True
    code, events = run_job(doc, run_dir)
    assert code == 0, events
    features = spark.read.parquet(str(run_dir / "features" / "hashing_tf"))
    assert "mail.body `raw`" in features.columns
    model = PipelineModel.load(str(run_dir / "models" / "hashing_tf"))
    raw = spark.createDataFrame([("free cash prize",)], ["mail.body `raw`"])
    assert model.transform(raw).select("predicted_label").first() is not None


def test_an_empty_split_is_a_data_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [("a b", "ham"), ("c d", "spam"), ("e f", "ham")])
    run_dir = tmp_path / "r"
    doc = quick_spec(data, run_dir)
    doc["training"]["split"]["train_fraction"] = 0.01
    code, events = run_job(doc, run_dir)
    assert code == 1
    error = error_of(events)
    assert (error["stage"], error["kind"]) == ("prepare", "EmptyData")
    assert "0 training and 3 test rows" in error["message"]


def test_a_jvm_failure_names_its_innermost_cause(spark: SparkSession) -> None:
    # As Spark reports a bad spark.sql.shuffle.partitions: a wrapper whose cause says what is wrong.
    jvm: Any = spark.sparkContext._jvm
    inner = jvm.java.lang.IllegalArgumentException("spark.sql.shuffle.partitions should be int, but was abc")
    outer = jvm.java.lang.IllegalArgumentException(
        "Error while instantiating 'org.apache.spark.sql.internal.SessionStateBuilder':", inner
    )
    with pytest.raises(Py4JJavaError) as raised:  # ExecutionException → outer → inner
        jvm.java.util.concurrent.CompletableFuture.failedFuture(outer).get()
    message = _message(raised.value)
    root = "java.lang.IllegalArgumentException: spark.sql.shuffle.partitions should be int, but was abc"
    assert message.startswith(f"{root} (raised as ")
    assert "SessionStateBuilder" in message
    # Without a cause nothing is added (PySpark converts this one to its own exception class).
    with pytest.raises(Exception) as plain:  # noqa: PT011 -- the class depends on the Spark line
        jvm.java.lang.Integer.parseInt("abc")
    assert "raised as" not in _message(plain.value)
