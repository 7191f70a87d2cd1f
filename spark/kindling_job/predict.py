"""The job's second entry mode: score raw text with a saved PipelineModel (docs/job-spec.md, predict spec).

The output keeps every input column, in input order, and adds `predicted_label` (the original label value),
`probability` (of the predicted class) and one `probability_<label>` column per class. It is written as one
file (CSV or Parquet) under `output.uri/data/`, rows in input order; `output.uri/predict.json` holds the row
count, the predicted-label counts and the rows without text, computed during the pass that writes the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pyspark.errors import AnalysisException
from pyspark.ml import PipelineModel
from pyspark.ml.feature import IndexToString
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from . import outputs
from .columns import (
    FEATURES,
    PREDICTED_LABEL,
    PREDICTION,
    PROBABILITY,
    RAW_PREDICTION,
    RESERVED_PREFIX,
    quote_identifier,
)
from .compat import error_condition
from .errors import InputNotFoundError, JobError, MissingColumnError, OutputExistsError, SpecError
from .events import StageTimer
from .hadoopfs import HadoopFs
from .ingest import csv_reader
from .jsonreader import JsonObject
from .spec import (
    SUPPORTED_SPEC_VERSIONS,
    CsvOptions,
    RunInfo,
    check_model_key,
    check_text_column,
    parse_run,
)
from .spec import _csv as parse_csv_options  # the training spec's rules: the two never drift apart
from .vectors import vector_to_array

KIND = "predict"
DATA = "data"
RESULT = "predict.json"
PROBABILITY_PREFIX = "probability_"


class ModelNotFoundError(JobError):
    kind = "ModelNotFound"

    def __init__(self, uri: str) -> None:
        super().__init__(f"no saved model at {uri}")
        self.uri = uri


class ColumnConflictError(JobError):
    kind = "ColumnConflict"

    def __init__(self, columns: list[str]) -> None:
        super().__init__(
            f"the input already has column(s) {', '.join(repr(c) for c in columns)}, which predict adds "
            "or the model uses; rename them in the input"
        )
        self.columns = columns


@dataclass(frozen=True)
class PredictInput:
    uri: str
    format: Literal["csv", "parquet"]
    text_column: str
    csv: CsvOptions


@dataclass(frozen=True)
class PredictSpec:
    spec_version: int
    run: RunInfo  # the training run whose model is used
    model_uri: str
    feature_set: str
    input: PredictInput
    output_uri: str
    output_format: Literal["csv", "parquet"]
    # The column the model was trained to read; input.text_column is read as it (predict --text-column).
    model_text_column: str


def read_predict_document(fs: HadoopFs, uri: str) -> Any | None:
    """The decoded spec when it is a predict spec (`"kind": "predict"`), else None: a training spec, or
    one that is missing or not JSON, which the training spec reader then reports."""
    if not fs.exists(uri):
        return None
    try:
        doc = json.loads(fs.read_text(uri))
    except json.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") == KIND else None


def parse_predict_spec(doc: Any) -> PredictSpec:
    root = JsonObject(doc, "")
    version = root.raw("spec_version")
    if isinstance(version, bool) or version not in SUPPORTED_SPEC_VERSIONS:
        raise SpecError(f"unsupported spec_version {version!r} for a predict spec")
    root.choice("kind", (KIND,))
    run = parse_run(root.obj("run"), created_at=False)  # the training run's id, not a new run
    m = root.obj("model")
    model_uri = m.text("uri").rstrip("/")
    feature_set = check_model_key(m.text("feature_set"), m.at("feature_set"))
    # Added within v1: without it, the model reads the input's text column by its own name.
    model_text = (
        check_text_column(m.text("text_column"), m.at("text_column")) if "text_column" in m.value else None
    )
    m.done()
    i = root.obj("input")
    fmt = i.choice("format", ("csv", "parquet"))
    csv = parse_csv_options(i.obj("csv")) if fmt == "csv" else CsvOptions()
    if fmt != "csv" and "csv" in i.value:
        raise SpecError("input.csv is only allowed when input.format is csv")
    text_column = check_text_column(i.text("text_column"), i.at("text_column"))
    predict_input = PredictInput(i.text("uri"), fmt, text_column, csv)
    i.done()
    o = root.obj("output")
    output_uri, output_format = o.text("uri").rstrip("/"), o.choice("format", ("csv", "parquet"))
    o.done()
    root.done()
    return PredictSpec(
        int(version),
        run,
        model_uri,
        feature_set,
        predict_input,
        output_uri,
        output_format,
        model_text or text_column,
    )


def read_predict_input(spark: SparkSession, spec: PredictInput) -> DataFrame:
    try:
        if spec.format == "csv":
            df = csv_reader(spark, spec.csv).csv(spec.uri)
        else:
            df = spark.read.parquet(spec.uri)
    except AnalysisException as e:
        if error_condition(e) == "PATH_NOT_FOUND":
            raise InputNotFoundError(spec.uri) from None
        raise
    if spec.text_column not in df.columns:
        raise MissingColumnError("text", spec.text_column, df.columns)
    return df


def model_labels(model: PipelineModel) -> list[str]:
    """The label values in index order, from the model's closing IndexToString."""
    last = model.stages[-1] if model.stages else None
    if not isinstance(last, IndexToString):
        raise SpecError("the saved model does not end with IndexToString: not a Kindling model")
    return list(last.getLabels())


def probability_columns(labels: list[str]) -> list[str]:
    return [PROBABILITY_PREFIX + label for label in labels]


def check_columns(columns: list[str], labels: list[str]) -> None:
    """The input may carry a `label` (e.g. labelled held-out rows): the saved model never reads it. It must
    not carry a column the model or predict writes."""
    written = {
        FEATURES,
        PREDICTION,
        RAW_PREDICTION,
        PROBABILITY,
        PREDICTED_LABEL,
        *probability_columns(labels),
    }
    clash = [c for c in columns if c in written or c.startswith(RESERVED_PREFIX)]
    if clash:
        raise ColumnConflictError(clash)


def score(model: PipelineModel, df: DataFrame, labels: list[str]) -> DataFrame:
    """Input columns, then predicted_label, probability (of the predicted class), probability_<label>.
    A model without probabilities (LinearSVC gives a margin) leaves them null: the columns stay the same."""
    scored = model.transform(df)
    if PROBABILITY in scored.columns:
        probabilities = vector_to_array(F.col(PROBABILITY))
        predicted = F.element_at(probabilities, F.col(PREDICTION).cast("int") + 1)
        per_class: list[Column] = [probabilities[i] for i in range(len(labels))]
    else:
        predicted = F.lit(None).cast("double")
        per_class = [F.lit(None).cast("double") for _ in labels]
    return scored.select(
        *[F.col(quote_identifier(c)) for c in df.columns],
        F.col(PREDICTED_LABEL),
        predicted.alias(PROBABILITY),
        *[column.alias(name) for column, name in zip(per_class, probability_columns(labels))],
    )


def write_predictions(scored: DataFrame, spec: PredictSpec, labels: list[str]) -> dict[str, Any]:
    """One pass: the data written as one file (coalesce keeps the input order) and the counts observed."""
    observation = Observation("kindling_predict")
    text = F.col(quote_identifier(spec.input.text_column))
    observed = scored.observe(
        observation,
        F.count(F.lit(1)).alias("rows"),
        # Training dropped rows without text; scoring gives them all the one prediction of an empty text.
        F.count_if(text.isNull() | (F.trim(text) == "")).alias("empty_text"),
        *[F.count_if(F.col(PREDICTED_LABEL) == label).alias(f"p{i}") for i, label in enumerate(labels)],
    )
    writer = observed.coalesce(1).write.mode("errorifexists")
    uri = outputs.child(spec.output_uri, DATA)
    if spec.output_format == "csv":
        # RFC 4180: quotes doubled (Spark's default escape is a backslash), line breaks inside quotes, and
        # the text kept byte for byte (Spark's CSV writer trims leading and trailing spaces by default).
        writer.options(
            header=True,
            quote='"',
            escape='"',
            lineSep="\n",
            ignoreLeadingWhiteSpace=False,
            ignoreTrailingWhiteSpace=False,
        ).csv(uri)
    else:
        writer.parquet(uri)
    counts = observation.get
    return {
        "rows": int(counts["rows"]),
        "empty_text": int(counts["empty_text"]),
        "predicted": {label: int(counts[f"p{i}"]) for i, label in enumerate(labels)},
    }


def run_predict(doc: Any, timer: StageTimer) -> None:
    """Stages: load (spec, session, model, input, checks), predict (score and write), write (result)."""
    with timer.stage("load"):
        spec = parse_predict_spec(doc)
        spark = SparkSession.builder.appName(f"kindling predict {spec.run.id}").getOrCreate()
        spark.sparkContext.setLogLevel("WARN")
        fs = HadoopFs.of_session(spark)
        if fs.exists(spec.output_uri):
            raise OutputExistsError(spec.output_uri)
        if not fs.exists(outputs.child(spec.model_uri, "metadata")):
            raise ModelNotFoundError(spec.model_uri)
        model = PipelineModel.load(spec.model_uri)
        labels = model_labels(model)
        df = read_predict_input(spark, spec.input)
        check_columns(df.columns, labels)
        text, model_text = spec.input.text_column, spec.model_text_column
        if text != model_text and model_text in df.columns:
            raise ColumnConflictError([model_text])
    with timer.stage("predict"):
        # The model reads its own text column: the input's is renamed for scoring, and back in the output.
        scored = score(model, df.withColumnRenamed(text, model_text), labels).withColumnRenamed(
            model_text, text
        )
        result = write_predictions(scored, spec, labels)
    with timer.stage("write"):
        summary = {"feature_set": spec.feature_set, "labels": labels, **result}
        outputs.write_json(fs, outputs.child(spec.output_uri, RESULT), summary)
