"""The job spec (docs/job-spec.md): JSON in, validated frozen dataclasses out.

Parsing is strict: a missing key, a wrong type or an unknown key is a SpecError naming the key's path.
The CLI generates the spec, so anything unexpected means the two sides disagree about the contract, and
it is better to stop before Spark starts than to silently ignore a setting.

The contract is schema/job-spec.schema.json, generated from the CLI's zod schema (src/spec/schema.ts):
this parser accepts exactly what it accepts, which tests/test_spec_schema.py checks key by key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal, Union

from py4j.protocol import Py4JJavaError
from pyspark.errors.exceptions.captured import CapturedException

from .columns import RESERVED, RESERVED_PREFIX, is_reserved
from .compat import captured_message
from .errors import SpecError
from .hadoopfs import HadoopFs
from .jsonreader import JsonObject, as_int, as_number, json_type

SUPPORTED_SPEC_VERSIONS = (1,)
TARGETS = ("local", "spark", "standalone", "emr", "emr-serverless")
SPLIT_METHODS = ("random", "stratified")
MULTICLASS_CV_METRICS = ("f1", "accuracy", "weightedPrecision", "weightedRecall")
# Threshold-free, from the scores rather than the predicted labels: two labels only.
BINARY_CV_METRICS = ("areaUnderROC", "areaUnderPR")
CV_METRICS = MULTICLASS_CV_METRICS + BINARY_CV_METRICS
STOP_WORD_LANGUAGES = (
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "hungarian",
    "italian",
    "norwegian",
    "portuguese",
    "russian",
    "spanish",
    "swedish",
    "turkish",
)
# Feature set names become directory names and stage names. Matched with fullmatch: `$` alone would
# let a trailing newline through, which the JSON Schema's (ECMAScript) `$` does not.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MODEL_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/(logistic_regression|linear_svc|naive_bayes))?$")
DEFAULT_MAX_REJECT_FRACTION = 0.01
# Word n-grams beyond 3 add features far faster than accuracy on text classification.
MAX_NGRAMS = 3


@dataclass(frozen=True)
class RunInfo:
    id: str
    created_at: str | None  # None in a predict spec, which names a training run instead
    kindling_version: str
    target: str


@dataclass(frozen=True)
class CsvOptions:
    header: bool = True
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    multiline: bool = True
    encoding: str = "UTF-8"


@dataclass(frozen=True)
class InputSpec:
    uri: str
    format: Literal["csv", "parquet"]
    text_column: str
    label_column: str
    csv: CsvOptions
    # Share of malformed rows above which the run fails (optional in the spec; this is the default).
    max_reject_fraction: float = DEFAULT_MAX_REJECT_FRACTION


@dataclass(frozen=True)
class CleanRule:
    """`regexp_replace(text, pattern, replacement)`: Java regex; `$1` in the replacement is a group."""

    pattern: str
    replacement: str


@dataclass(frozen=True)
class StopWords:
    """Exactly one of `language` (Spark's built-in list) or `words` is set."""

    language: str | None = None
    words: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TextSpec:
    clean: tuple[CleanRule, ...]
    lowercase: bool
    tokenizer_pattern: str
    min_token_length: int
    stop_words: StopWords | None


@dataclass(frozen=True)
class HashingTfSet:
    name: str
    num_features: int
    # Added within v1 (older specs: 1 and False): word n-grams 1..ngrams hashed together; counts or 0/1.
    ngrams: int = 1
    binary: bool = False
    kind: Literal["hashing_tf"] = "hashing_tf"


@dataclass(frozen=True)
class TfidfSet:
    name: str
    num_features: int
    min_doc_freq: int
    ngrams: int = 1
    binary: bool = False
    kind: Literal["tfidf"] = "tfidf"


@dataclass(frozen=True)
class Word2VecSet:
    name: str
    vector_size: int
    min_count: int
    max_iter: int
    num_partitions: int | None  # None: the cores Spark sees
    step_size: float
    window_size: int
    seed: int
    scaler: Literal["minmax", "none"]
    kind: Literal["word2vec"] = "word2vec"


FeatureSet = Union[HashingTfSet, TfidfSet, Word2VecSet]


@dataclass(frozen=True)
class SplitSpec:
    train_fraction: float
    seed: int
    method: str = "random"


@dataclass(frozen=True)
class LogisticRegressionSpec:
    max_iter: tuple[int, ...]
    reg_param: tuple[float, ...]
    elastic_net_param: tuple[float, ...]
    # Added within v1: older specs standardized, Spark's default.
    standardization: bool = True
    kind: Literal["logistic_regression"] = "logistic_regression"


@dataclass(frozen=True)
class LinearSvcSpec:
    max_iter: tuple[int, ...]
    reg_param: tuple[float, ...]
    standardization: bool
    kind: Literal["linear_svc"] = "linear_svc"


@dataclass(frozen=True)
class NaiveBayesSpec:
    smoothing: tuple[float, ...]
    model_type: Literal["multinomial", "complement"]
    kind: Literal["naive_bayes"] = "naive_bayes"


ClassifierSpec = Union[LogisticRegressionSpec, LinearSvcSpec, NaiveBayesSpec]
CLASSIFIERS = ("logistic_regression", "linear_svc", "naive_bayes")
CLASS_WEIGHTS = ("none", "balanced")
NAIVE_BAYES_TYPES = ("multinomial", "complement")


@dataclass(frozen=True)
class CvSpec:
    folds: int
    metric: str
    seed: int
    parallelism: int | None  # None: min(grid points, the cores Spark sees)


@dataclass(frozen=True)
class TrainingSpec:
    split: SplitSpec
    # Every classifier is cross-validated on every feature set: one saved model per pair.
    classifiers: tuple[ClassifierSpec, ...]
    cv: CvSpec
    # Added within v1 (older specs: none): "balanced" weighs each row by rows / (labels x its label's rows).
    class_weights: str = "none"


@dataclass(frozen=True)
class OutputSpec:
    uri: str
    write_features: bool
    success_marker: bool


# The Spark lines Kindling runs the job on (versions.json sparkLines): a model is read back only by its line.
SPARK_LINES = ("3.5", "4.0")


@dataclass(frozen=True)
class SparkSpec:
    partitions: int | None
    line: str


@dataclass(frozen=True)
class JobSpec:
    spec_version: int
    run: RunInfo
    input: InputSpec
    text: TextSpec
    feature_sets: tuple[FeatureSet, ...]
    training: TrainingSpec
    output: OutputSpec
    spark: SparkSpec
    # Added within v1 (older specs: none): the prepared-text cache entry this run reuses or fills.
    prepared_cache: str | None = None


def model_key(fs: FeatureSet, classifier: ClassifierSpec, classifiers: tuple[ClassifierSpec, ...]) -> str:
    """Names a saved model (models/<key>/) and its metrics: the feature set alone when the spec has one
    classifier (as every run before classifiers could be chosen), else <feature set>/<classifier>."""
    return fs.name if len(classifiers) == 1 else f"{fs.name}/{classifier.kind}"


def parse_run(o: JsonObject, *, created_at: bool = True) -> RunInfo:
    """`run`; informational but required, as the CLI always writes it. A predict spec has no created_at."""
    r = RunInfo(
        id=o.text("id"),
        created_at=o.text("created_at") if created_at else None,
        kindling_version=o.text("kindling_version"),
        target=o.choice("target", TARGETS),
    )
    o.done()
    return r


def check_text_column(name: str, path: str) -> str:
    """The text column keeps its name through the saved model, so it cannot be a column the job adds."""
    if is_reserved(name):
        raise SpecError(
            f"{path} {name!r} collides with a column the job adds "
            f"({', '.join(sorted(RESERVED))}, {RESERVED_PREFIX}*); rename it in the data"
        )
    return name


def check_feature_set_name(name: str, path: str) -> str:
    if not _NAME_RE.fullmatch(name):
        raise SpecError(f"{path} {name!r} must match {_NAME_RE.pattern} (it names a directory)")
    return name


def check_model_key(key: str, path: str) -> str:
    """A model_key: a feature set name, or <feature set>/<classifier>."""
    if not _MODEL_KEY_RE.fullmatch(key):
        raise SpecError(
            f"{path} {key!r} must match {_MODEL_KEY_RE.pattern} (a feature set, then /classifier)"
        )
    return key


def _one_char(v: str, path: str) -> str:
    if len(v) != 1:
        raise SpecError(f"{path} must be exactly one character, got {v!r}")
    return v


def _csv(o: JsonObject) -> CsvOptions:
    c = CsvOptions(
        header=o.flag("header"),
        delimiter=_one_char(o.text("delimiter"), o.at("delimiter")),
        quote=_one_char(o.text("quote"), o.at("quote")),
        escape=_one_char(o.text("escape"), o.at("escape")),
        multiline=o.flag("multiline"),
        encoding=o.text("encoding"),
    )
    o.done()
    return c


def _input(o: JsonObject) -> InputSpec:
    fmt = o.choice("format", ("csv", "parquet"))
    # Required even for Parquet: the CLI always writes it, and predict reads new CSV data with this dialect.
    csv = _csv(o.obj("csv"))
    text_column, label_column = o.text("text_column"), o.text("label_column")
    if text_column == label_column:
        raise SpecError(f"input.text_column and input.label_column are both {text_column!r}")
    check_text_column(text_column, "input.text_column")
    # Optional because it was added within v1 (older v1 specs stay valid); never null.
    fraction = (
        o.number("max_reject_fraction") if "max_reject_fraction" in o.value else DEFAULT_MAX_REJECT_FRACTION
    )
    if not 0 <= fraction <= 1:
        raise SpecError(f"input.max_reject_fraction must be between 0 and 1, got {fraction}")
    i = InputSpec(o.text("uri"), fmt, text_column, label_column, csv, fraction)
    o.done()
    return i


def _clean_rule(v: Any, path: str) -> CleanRule:
    o = JsonObject(v, path)
    r = CleanRule(pattern=o.text("pattern"), replacement=o.text("replacement", nonempty=False))
    o.done()
    return r


def _word(v: Any, path: str) -> str:
    if not isinstance(v, str):
        raise SpecError(f"{path} must be a string, got {json_type(v)}")
    if not v:
        raise SpecError(f"{path} must not be empty")
    return v


def _stop_words(v: Any, path: str) -> StopWords | None:
    if v is None:
        return None
    o = JsonObject(v, path)
    if ("language" in o.value) == ("words" in o.value):
        raise SpecError(f"{path} must have exactly one of 'language' or 'words' (or be null)")
    if "language" in o.value:
        sw = StopWords(language=o.choice("language", STOP_WORD_LANGUAGES))
    else:
        sw = StopWords(words=o.items("words", _word, nonempty=False))
    o.done()
    return sw


def _text(o: JsonObject) -> TextSpec:
    t = TextSpec(
        clean=o.items("clean", _clean_rule, nonempty=False),
        lowercase=o.flag("lowercase"),
        tokenizer_pattern=o.text("tokenizer_pattern"),
        min_token_length=o.integer("min_token_length", minimum=1),
        stop_words=_stop_words(o.raw("stop_words"), "text.stop_words"),
    )
    o.done()
    return t


def _terms(o: JsonObject) -> dict[str, Any]:
    """ngrams and binary of a hashed feature set: added within v1, so optional (older specs: 1, False)."""
    return {
        "ngrams": o.integer("ngrams", minimum=1, maximum=MAX_NGRAMS) if "ngrams" in o.value else 1,
        "binary": o.flag("binary") if "binary" in o.value else False,
    }


def _feature_set(v: Any, path: str) -> FeatureSet:
    o = JsonObject(v, path)
    name = check_feature_set_name(o.text("name"), o.at("name"))
    kind = o.choice("kind", ("hashing_tf", "tfidf", "word2vec"))
    fs: FeatureSet
    if kind == "hashing_tf":
        fs = HashingTfSet(name=name, num_features=o.integer("num_features", minimum=1), **_terms(o))
    elif kind == "tfidf":
        fs = TfidfSet(
            name=name,
            num_features=o.integer("num_features", minimum=1),
            min_doc_freq=o.integer("min_doc_freq", minimum=0),
            **_terms(o),
        )
    else:
        step_size = o.number("step_size")
        if step_size <= 0:
            raise SpecError(f"{path}.step_size must be > 0, got {step_size}")
        fs = Word2VecSet(
            name=name,
            vector_size=o.integer("vector_size", minimum=1),
            min_count=o.integer("min_count", minimum=0),
            max_iter=o.integer("max_iter", minimum=1),
            num_partitions=o.integer("num_partitions", minimum=1, nullable=True),
            step_size=step_size,
            window_size=o.integer("window_size", minimum=1),
            seed=o.integer("seed"),
            scaler=o.choice("scaler", ("minmax", "none")),
        )
    o.done()
    return fs


def _max_iter(v: Any, path: str) -> int:
    return as_int(v, path, minimum=1)


def _non_negative(v: Any, path: str) -> float:
    x = as_number(v, path)
    if x < 0:
        raise SpecError(f"{path} must be >= 0, got {x}")
    return x


def _fraction(v: Any, path: str) -> float:
    x = as_number(v, path)
    if not 0 <= x <= 1:
        raise SpecError(f"{path} must be between 0 and 1, got {x}")
    return x


def _classifier(v: Any, path: str) -> ClassifierSpec:
    o = JsonObject(v, path)
    kind = o.choice("kind", CLASSIFIERS)
    g = o.obj("grid")
    c: ClassifierSpec
    if kind == "logistic_regression":
        c = LogisticRegressionSpec(
            max_iter=g.items("max_iter", _max_iter),
            reg_param=g.items("reg_param", _non_negative),
            elastic_net_param=g.items("elastic_net_param", _fraction),
            standardization=o.flag("standardization") if "standardization" in o.value else True,
        )
    elif kind == "linear_svc":
        c = LinearSvcSpec(
            max_iter=g.items("max_iter", _max_iter),
            reg_param=g.items("reg_param", _non_negative),
            standardization=o.flag("standardization"),
        )
    else:
        c = NaiveBayesSpec(
            smoothing=g.items("smoothing", _non_negative),
            model_type=o.choice("model_type", NAIVE_BAYES_TYPES),
        )
    g.done()
    o.done()
    return c


def _classifiers(v: Any, path: str) -> tuple[ClassifierSpec, ...]:
    """One classifier (an object, as v1 began) or a list of them (added within v1); kinds unique."""
    if isinstance(v, dict):
        return (_classifier(v, path),)
    if not isinstance(v, list):
        raise SpecError(f"{path} must be an object or an array, got {json_type(v)}")
    if not v:
        raise SpecError(f"{path} must not be empty")
    found = tuple(_classifier(item, f"{path}[{i}]") for i, item in enumerate(v))
    kinds = [c.kind for c in found]
    dupes = sorted({k for k in kinds if kinds.count(k) > 1})
    if dupes:
        raise SpecError(f"{path}: duplicate kind(s) {', '.join(dupes)}")
    return found


def _training(o: JsonObject) -> TrainingSpec:
    so = o.obj("split")
    fraction = so.number("train_fraction")
    if not 0 < fraction < 1:
        raise SpecError(f"training.split.train_fraction must be strictly between 0 and 1, got {fraction}")
    # method was added within v1: older v1 specs without it split at random.
    method = so.choice("method", SPLIT_METHODS) if "method" in so.value else "random"
    split = SplitSpec(train_fraction=fraction, seed=so.integer("seed"), method=method)
    so.done()
    classifiers = _classifiers(o.raw("model"), "training.model")
    class_weights = o.choice("class_weights", CLASS_WEIGHTS) if "class_weights" in o.value else "none"
    co = o.obj("cv")
    cv = CvSpec(
        folds=co.integer("folds", minimum=2),
        metric=co.choice("metric", CV_METRICS),
        seed=co.integer("seed"),
        parallelism=co.integer("parallelism", minimum=1, nullable=True),
    )
    co.done()
    o.done()
    return TrainingSpec(split, classifiers, cv, class_weights)


def _output(o: JsonObject) -> OutputSpec:
    out = OutputSpec(
        uri=o.text("uri").rstrip("/"),
        write_features=o.flag("write_features"),
        success_marker=o.flag("success_marker"),
    )
    o.done()
    return out


def parse_spec(doc: Any) -> JobSpec:
    """Validate a decoded JSON document and return the typed spec."""
    root = JsonObject(doc, "")
    version = root.raw("spec_version")
    if isinstance(version, bool) or version not in SUPPORTED_SPEC_VERSIONS:
        supported = ", ".join(str(v) for v in SUPPORTED_SPEC_VERSIONS)
        raise SpecError(
            f"unsupported spec_version {json.dumps(version)}; this job understands spec_version {supported}"
            " (is the Kindling CLI newer than the Spark job it shipped?)"
        )
    feature_sets = root.items("feature_sets", _feature_set)
    names = [fs.name for fs in feature_sets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SpecError(f"feature_sets: duplicate name(s) {', '.join(dupes)}")
    spark_obj = root.obj("spark")
    spark = SparkSpec(
        partitions=spark_obj.integer("partitions", minimum=1, nullable=True),
        # Added within v1: older v1 specs without it ran on the only line there was.
        line=spark_obj.choice("line", SPARK_LINES) if "line" in spark_obj.value else "3.5",
    )
    spark_obj.done()
    cache = root.raw("prepared_cache", optional=True)
    if cache is not None:
        cache_obj = root.obj("prepared_cache")
        cache = cache_obj.text("uri").rstrip("/")
        cache_obj.done()
    spec = JobSpec(
        spec_version=int(version),
        run=parse_run(root.obj("run")),
        input=_input(root.obj("input")),
        text=_text(root.obj("text")),
        feature_sets=feature_sets,
        training=_training(root.obj("training")),
        output=_output(root.obj("output")),
        spark=spark,
        prepared_cache=cache,
    )
    root.done()
    check_naive_bayes(spec)
    return spec


def check_naive_bayes(spec: JobSpec) -> None:
    """NaiveBayes needs non-negative features; Word2Vec's averages are signed unless rescaled to [0, 1]."""
    if not any(c.kind == "naive_bayes" for c in spec.training.classifiers):
        return
    for fs in spec.feature_sets:
        if isinstance(fs, Word2VecSet) and fs.scaler == "none":
            raise SpecError(
                f"training.model: naive_bayes needs non-negative features, but feature set {fs.name} is "
                'Word2Vec with scaler "none" (use "minmax")'
            )


def parse_spec_text(text: str, source: str = "spec") -> JobSpec:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"{source} is not valid JSON: {e}") from None
    return parse_spec(doc)


def regex_patterns(spec: JobSpec) -> list[tuple[str, str]]:
    """(where, pattern) for every Java regex in the spec, so the caller can compile them on the JVM."""
    found = [(f"text.clean[{i}].pattern", rule.pattern) for i, rule in enumerate(spec.text.clean)]
    found.append(("text.tokenizer_pattern", spec.text.tokenizer_pattern))
    return found


def load_spec(fs: HadoopFs, uri: str) -> JobSpec:
    """Read the spec from any Hadoop URI, validate it, and compile its regexes on the JVM (Java syntax)."""
    if not fs.exists(uri):
        raise SpecError(f"spec not found: {uri}")
    spec = parse_spec_text(fs.read_text(uri), uri)
    for where, pattern in regex_patterns(spec):
        try:
            fs.jvm.java.util.regex.Pattern.compile(pattern)
        except (Py4JJavaError, CapturedException) as e:
            # Raw from py4j before a SparkSession exists, converted by PySpark once one does.
            detail = e.java_exception.getMessage() if isinstance(e, Py4JJavaError) else captured_message(e)
            message = str(detail).splitlines()[0]
            raise SpecError(f"{where} is not a valid Java regex: {message}") from None
    return spec
