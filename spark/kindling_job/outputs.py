"""Everything the job writes under output.uri (docs/job-spec.md). Nothing is ever overwritten."""

from __future__ import annotations

import json
from typing import Any

from pyspark.ml import PipelineModel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from .columns import FEATURES, LABEL, LABEL_VALUE, quote_identifier
from .errors import OutputExistsError
from .hadoopfs import HadoopFs
from .spec import JobSpec, model_key

METRICS = "metrics.json"
JOB = "job.json"
SUCCESS = "_SUCCESS"


def child(uri: str, *parts: str) -> str:
    return "/".join([uri.rstrip("/"), *parts])


def model_uri(spec: JobSpec, name: str) -> str:
    return child(spec.output.uri, "models", name)


def features_uri(spec: JobSpec, name: str) -> str:
    return child(spec.output.uri, "features", name)


def planned_outputs(spec: JobSpec) -> list[str]:
    uris = [
        child(spec.output.uri, METRICS),
        child(spec.output.uri, JOB),
        child(spec.output.uri, SUCCESS),
        child(spec.output.uri, "rejects"),
    ]
    classifiers = spec.training.classifiers
    for fs in spec.feature_sets:
        uris.extend(model_uri(spec, model_key(fs, c, classifiers)) for c in classifiers)
        if spec.output.write_features:
            uris.append(features_uri(spec, fs.name))
    return uris


def check_outputs_free(fs: HadoopFs, spec: JobSpec) -> None:
    """Fail before any training if a previous attempt left outputs in this run directory."""
    for uri in planned_outputs(spec):
        if fs.exists(uri):
            raise OutputExistsError(uri)


def save_model(fs: HadoopFs, model: PipelineModel, uri: str) -> None:
    if fs.exists(uri):
        raise OutputExistsError(uri)
    model.write().save(uri)


def write_features(featurized: DataFrame, text_column: str, uri: str) -> None:
    """Seed parity: one Parquet dataset per feature set, partitioned by the label index."""
    columns = featurized.select(F.col(quote_identifier(text_column)), LABEL_VALUE, LABEL, FEATURES)
    columns.write.partitionBy(LABEL).mode("errorifexists").parquet(uri)


def to_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(fs: HadoopFs, uri: str, doc: Any) -> None:
    fs.write_text(uri, to_json(doc))


def write_success_marker(fs: HadoopFs, spec: JobSpec) -> None:
    fs.write_text(child(spec.output.uri, SUCCESS), "")
