from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from kindling_job.errors import SpecError
from kindling_job.hadoopfs import HadoopFs
from kindling_job.spec import (
    CleanRule,
    HashingTfSet,
    LinearSvcSpec,
    LogisticRegressionSpec,
    NaiveBayesSpec,
    StopWords,
    TfidfSet,
    Word2VecSet,
    load_spec,
    parse_spec,
    parse_spec_text,
)

from .helpers import seed_spec, write_spec

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "job-spec.md"


def strip_jsonc_comments(text: str) -> str:
    out, in_string, i = [], False, 0
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\":
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def test_the_contract_example_parses_to_the_seed_defaults() -> None:
    block = re.search(r"```jsonc\n(.*?)```", CONTRACT.read_text(encoding="utf-8"), re.S)
    assert block is not None
    spec = parse_spec(json.loads(strip_jsonc_comments(block.group(1))))
    assert spec.run.id == "20261127-231500-spam-7f3a"
    assert spec.text.clean == (
        CleanRule("<.*/>", ""),
        CleanRule("[^\\p{Alpha} ]", ""),
        CleanRule(" +", " "),
    )
    assert spec.text.tokenizer_pattern == "\\W"
    assert spec.text.stop_words == StopWords(language="english")
    assert spec.feature_sets == (
        HashingTfSet("hashing_tf", 250),
        TfidfSet("tfidf", 250, 0),
        Word2VecSet("word2vec", 250, 5, 1, 1, 0.025, 5, 11, "minmax"),  # 1: reproducible run to run
    )
    assert spec.training.classifiers == (LogisticRegressionSpec((10, 15, 20), (0.0,), (0.0,)),)
    assert spec.training.class_weights == "none"
    assert spec.training.cv.metric == "f1"
    assert spec.spark.partitions is None
    assert parse_spec(seed_spec()).feature_sets == spec.feature_sets


def test_unknown_spec_version_names_the_supported_one() -> None:
    doc = seed_spec()
    doc["spec_version"] = 2
    with pytest.raises(SpecError, match=r"unsupported spec_version 2; this job understands spec_version 1"):
        parse_spec(doc)


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("input.uri", KeyError, "missing key input.uri"),
        ("input.extra", 1, "unknown key.*input.extra"),
        ("input.format", "json", "input.format must be one of csv, parquet"),
        ("input.csv.header", "yes", "input.csv.header must be true or false"),
        ("input.csv.quote", "''", "input.csv.quote must be exactly one character"),
        ("input.text_column", "label", "input.text_column and input.label_column are both 'label'"),
        ("input.text_column", "features", "collides with a column the job adds"),
        ("text.min_token_length", 1.5, "text.min_token_length must be an integer"),
        ("text.stop_words", {"language": "klingon"}, "text.stop_words.language must be one of"),
        ("text.stop_words", {}, "exactly one of 'language' or 'words'"),
        ("feature_sets", [], "feature_sets must not be empty"),
        ("feature_sets.0.kind", "bert", "feature_sets\\[0\\].kind must be one of"),
        ("feature_sets.1.name", "hashing_tf", "duplicate name.*hashing_tf"),
        ("feature_sets.0.name", "../up", "feature_sets\\[0\\].name '../up' must match"),
        ("feature_sets.2.scaler", "zscore", "scaler must be one of minmax, none"),
        ("training.split.train_fraction", 1, "strictly between 0 and 1"),
        ("training.model.grid.max_iter", [10, True], "grid.max_iter\\[1\\] must be an integer"),
        ("training.model.grid.elastic_net_param", [2], "between 0 and 1"),
        ("training.cv.folds", 1, "training.cv.folds must be >= 2"),
        ("training.cv.metric", "auc", "training.cv.metric must be one of f1, accuracy"),
        ("spark.partitions", 0, "spark.partitions must be >= 1"),
        ("input.max_reject_fraction", 1.5, "input.max_reject_fraction must be between 0 and 1"),
        ("input.max_reject_fraction", "1%", "input.max_reject_fraction must be a number"),
        # Rules aligned with the JSON Schema (schema/job-spec.schema.json); test_spec_schema.py checks all.
        ("input.max_reject_fraction", None, "input.max_reject_fraction must be a number"),
        ("input.csv", KeyError, "missing key input.csv"),
        ("input.csv.delimiter", ";;", "input.csv.delimiter must be exactly one character"),
        ("input.text_column", "kindling_raw", "collides with a column the job adds"),
        ("run.created_at", KeyError, "missing key run.created_at"),
        ("run.target", "mars", "run.target must be one of local, spark, standalone, emr"),
        ("text.min_token_length", 0, "text.min_token_length must be >= 1"),
        ("text.stop_words", {"words": ["a", ""]}, "text.stop_words.words\\[1\\] must not be empty"),
        ("feature_sets.0.name", "tfidf\n", "feature_sets\\[0\\].name 'tfidf\\\\n' must match"),
        ("training.model.grid.max_iter", [0], "grid.max_iter\\[0\\] must be >= 1"),
        ("training.cv.parallelism", KeyError, "missing key training.cv.parallelism"),
        ("training.split.seed", 2**53, "training.split.seed must be between"),
        ("feature_sets.0.ngrams", 4, "feature_sets\\[0\\].ngrams must be <= 3"),
        ("feature_sets.1.binary", "yes", "feature_sets\\[1\\].binary must be true or false"),
        ("training.model", [], "training.model must not be empty"),
        ("training.model", "naive_bayes", "training.model must be an object or an array"),
        ("training.model.kind", "random_forest", "training.model.kind must be one of logistic_regression"),
        ("training.class_weights", "auto", "training.class_weights must be one of none, balanced"),
    ],
)
def test_invalid_specs_name_the_offending_key(path: str, value: Any, message: str) -> None:
    doc = seed_spec()
    _set(doc, path, value)
    with pytest.raises(SpecError, match=message):
        parse_spec(doc)


SVC = {"kind": "linear_svc", "grid": {"max_iter": [50], "reg_param": [0.01]}, "standardization": False}
NB = {"kind": "naive_bayes", "grid": {"smoothing": [0.5, 1]}, "model_type": "complement"}


def test_a_list_of_classifiers_parses_each_with_its_own_grid() -> None:
    doc = seed_spec()
    lr = {**doc["training"]["model"], "standardization": False}
    doc["training"]["model"] = [lr, SVC, NB]
    doc["training"]["class_weights"] = "balanced"
    doc["feature_sets"][0].update(ngrams=2, binary=True)
    spec = parse_spec(doc)
    assert spec.training.classifiers == (
        LogisticRegressionSpec((10, 15, 20), (0.0,), (0.0,), standardization=False),
        LinearSvcSpec((50,), (0.01,), standardization=False),
        NaiveBayesSpec((0.5, 1.0), "complement"),
    )
    assert spec.training.class_weights == "balanced"
    assert spec.feature_sets[0] == HashingTfSet("hashing_tf", 250, ngrams=2, binary=True)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ([SVC, SVC], "training.model: duplicate kind\\(s\\) linear_svc"),
        (
            [{**SVC, "grid": {"max_iter": [5], "reg_param": [0.1], "smoothing": [1]}}],
            "training.model\\[0\\].grid.smoothing",
        ),
        ([{**NB, "model_type": "bernoulli"}], "model_type must be one of multinomial, complement"),
        (
            [{k: v for k, v in SVC.items() if k != "standardization"}],
            "missing key training.model\\[0\\].standardization",
        ),
    ],
)
def test_invalid_classifier_lists_name_the_key(model: Any, message: str) -> None:
    doc = seed_spec()
    doc["training"]["model"] = model
    with pytest.raises(SpecError, match=message):
        parse_spec(doc)


def test_naive_bayes_refuses_signed_word2vec_features() -> None:
    doc = seed_spec()
    doc["training"]["model"] = [NB]
    doc["feature_sets"][2]["scaler"] = "none"
    with pytest.raises(SpecError, match=r'naive_bayes needs non-negative features.*word2vec.*"minmax"'):
        parse_spec(doc)
    doc["feature_sets"][2]["scaler"] = "minmax"
    assert parse_spec(doc).training.classifiers == (NaiveBayesSpec((0.5, 1.0), "complement"),)


def test_optional_and_alternative_forms() -> None:
    doc = seed_spec()
    doc["text"]["stop_words"] = {"words": ["Foo", "bar"]}
    doc["input"].update(uri="s3://b/data.parquet", format="parquet", text_column="t", label_column="y")
    doc["run"]["target"] = "emr"
    doc["spark"]["partitions"] = 8
    doc["output"]["uri"] = "s3://bucket/runs/r1/"
    spec = parse_spec(doc)
    assert spec.text.stop_words == StopWords(words=("Foo", "bar"))
    assert spec.input.format == "parquet"
    assert spec.run.target == "emr"
    assert spec.spark.partitions == 8
    assert spec.output.uri == "s3://bucket/runs/r1"  # children are joined with one slash
    doc["text"]["stop_words"] = None
    assert parse_spec(doc).text.stop_words is None
    assert spec.input.max_reject_fraction == 0.01  # optional, with the CLI's default
    doc["input"]["max_reject_fraction"] = 0
    assert parse_spec(doc).input.max_reject_fraction == 0


def test_not_json() -> None:
    with pytest.raises(SpecError, match=r"spec\.json is not valid JSON"):
        parse_spec_text("{nope", "spec.json")


def test_load_spec_reads_plain_paths_and_file_uris(spark: SparkSession, tmp_path: Path) -> None:
    path = write_spec(tmp_path / "spec.json", seed_spec())
    fs = HadoopFs.of_session(spark)
    assert load_spec(fs, path).run.id == load_spec(fs, Path(path).as_uri()).run.id


def test_load_spec_compiles_regexes_as_java_does(spark: SparkSession, tmp_path: Path) -> None:
    doc = seed_spec()
    # Valid in Java but not in Python: possessive quantifier.
    doc["text"]["clean"].append({"pattern": "a++", "replacement": ""})
    fs = HadoopFs.of_session(spark)
    load_spec(fs, write_spec(tmp_path / "ok.json", doc))
    doc["text"]["clean"].append({"pattern": "([a-z]", "replacement": ""})
    with pytest.raises(SpecError, match=r"text.clean\[4\].pattern is not a valid Java regex: Unclosed group"):
        load_spec(fs, write_spec(tmp_path / "bad.json", doc))


def test_load_spec_missing_file(spark: SparkSession, tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="spec not found"):
        load_spec(HadoopFs.of_session(spark), str(tmp_path / "absent.json"))
