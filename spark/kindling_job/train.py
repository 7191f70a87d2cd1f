"""Split once, featurize the training split once per set, cross-validate each classifier on it, assemble
the models that are saved: fitted featurizer stages + the classifier's best model + IndexToString."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.ml import Model, PipelineModel
from pyspark.ml.classification import Classifier, LinearSVC, LogisticRegression, NaiveBayes
from pyspark.ml.evaluation import BinaryClassificationEvaluator, Evaluator, MulticlassClassificationEvaluator
from pyspark.ml.feature import IndexToString
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .columns import (
    FEATURES,
    LABEL,
    PREDICTED_LABEL,
    PREDICTION,
    PROBABILITY,
    RAW_PREDICTION,
    SPLIT_CUT,
    SPLIT_KEY,
    WEIGHT,
    quote_identifier,
)
from .spec import (
    BINARY_CV_METRICS,
    ClassifierSpec,
    LinearSvcSpec,
    LogisticRegressionSpec,
    SplitSpec,
    TrainingSpec,
)

if TYPE_CHECKING:
    from pyspark.ml._typing import ParamMap

# spec grid key -> Spark param name, per classifier kind
GRID_PARAMS: dict[str, dict[str, str]] = {
    "logistic_regression": {
        "max_iter": "maxIter",
        "reg_param": "regParam",
        "elastic_net_param": "elasticNetParam",
    },
    "linear_svc": {"max_iter": "maxIter", "reg_param": "regParam"},
    "naive_bayes": {"smoothing": "smoothing"},
}


def split(prepared: DataFrame, spec: SplitSpec) -> tuple[DataFrame, DataFrame]:
    """(train, test); done once so every feature set sees the same rows."""
    if spec.method == "stratified":
        return stratified_split(prepared, spec)
    train, test = prepared.randomSplit([spec.train_fraction, 1.0 - spec.train_fraction], seed=spec.seed)
    return train, test


def stratified_split(prepared: DataFrame, spec: SplitSpec) -> tuple[DataFrame, DataFrame]:
    """Within each label, the train_fraction of its rows with the lowest key train. The key is a seeded hash
    of the row (not rand(): it does not depend on the order rows arrive in, so train and test, computed
    apart, never share or lose a row); each label's cut is its key's approximate quantile (relative error
    1e-4), found in one aggregation, and joined back from a table of one row per label."""
    key = F.xxhash64(F.lit(spec.seed), *[F.col(quote_identifier(c)) for c in prepared.columns])
    keyed = prepared.withColumn(SPLIT_KEY, key)
    cuts = keyed.groupBy(LABEL).agg(
        F.percentile_approx(SPLIT_KEY, spec.train_fraction, 10_000).alias(SPLIT_CUT)
    )
    joined = keyed.join(F.broadcast(cuts), LABEL)
    train = joined.where(F.col(SPLIT_KEY) <= F.col(SPLIT_CUT)).drop(SPLIT_KEY, SPLIT_CUT)
    test = joined.where(F.col(SPLIT_KEY) > F.col(SPLIT_CUT)).drop(SPLIT_KEY, SPLIT_CUT)
    return train, test


def featurized_training_set(
    featurizer_model: PipelineModel, train: DataFrame, class_weights: str
) -> DataFrame:
    """Label + features (+ a class weight) only, cached: cross-validation reads it classifiers x folds x
    grid points times."""
    featurized = featurizer_model.transform(train).select(LABEL, FEATURES)
    if class_weights == "balanced":
        featurized = featurized.withColumn(WEIGHT, balanced_weight(train))
    return featurized.cache()


def balanced_weight(train: DataFrame) -> Column:
    """rows / (labels x the row's label's rows), scikit-learn's "balanced": every label weighs the same in
    total, so a rare label is not traded away for accuracy on the common one."""
    counts = {float(r[LABEL]): int(r["count"]) for r in train.groupBy(LABEL).count().collect()}
    total, labels = sum(counts.values()), len(counts)
    weight = F.lit(1.0)
    for label, count in sorted(counts.items()):
        weight = F.when(F.col(LABEL) == label, F.lit(total / (labels * count))).otherwise(weight)
    return weight


def has_probability(classifier: ClassifierSpec) -> bool:
    """LinearSVC gives a margin, not a probability."""
    return classifier.kind != "linear_svc"


def estimator(classifier: ClassifierSpec, weighted: bool) -> Classifier[Any]:
    est: Classifier[Any]
    if isinstance(classifier, LogisticRegressionSpec):
        est = LogisticRegression(
            featuresCol=FEATURES, labelCol=LABEL, standardization=classifier.standardization
        )
    elif isinstance(classifier, LinearSvcSpec):
        est = LinearSVC(featuresCol=FEATURES, labelCol=LABEL, standardization=classifier.standardization)
    else:
        # Needs non-negative features: counts, TF-IDF, or Word2Vec rescaled to [0, 1] (the spec checks).
        est = NaiveBayes(featuresCol=FEATURES, labelCol=LABEL, modelType=classifier.model_type)
    if weighted:
        est.set(est.getParam("weightCol"), WEIGHT)
    return est


def grid_values(classifier: ClassifierSpec) -> dict[str, tuple[Any, ...]]:
    """The spec's grid, by spec key."""
    if isinstance(classifier, LogisticRegressionSpec):
        return {
            "max_iter": classifier.max_iter,
            "reg_param": classifier.reg_param,
            "elastic_net_param": classifier.elastic_net_param,
        }
    if isinstance(classifier, LinearSvcSpec):
        return {"max_iter": classifier.max_iter, "reg_param": classifier.reg_param}
    return {"smoothing": classifier.smoothing}


def param_grid(est: Classifier[Any], classifier: ClassifierSpec) -> list[ParamMap]:
    builder = ParamGridBuilder()
    names = GRID_PARAMS[classifier.kind]
    for key, values in grid_values(classifier).items():
        builder.addGrid(est.getParam(names[key]), list(values))
    return builder.build()


def evaluator(metric: str, classifier: ClassifierSpec) -> Evaluator:
    if metric in BINARY_CV_METRICS:
        # The positive class's score: a probability (NaiveBayes' raw scores are log-likelihoods, whose
        # second entry alone does not rank rows), or LinearSVC's margin.
        return BinaryClassificationEvaluator(
            labelCol=LABEL,
            rawPredictionCol=PROBABILITY if has_probability(classifier) else RAW_PREDICTION,
            metricName=metric,  # type: ignore[arg-type]
        )
    return MulticlassClassificationEvaluator(
        labelCol=LABEL,
        predictionCol=PREDICTION,
        metricName=metric,  # type: ignore[arg-type]
    )


def cross_validator(spec: TrainingSpec, classifier: ClassifierSpec, cores: int = 1) -> CrossValidator:
    est = estimator(classifier, weighted=spec.class_weights == "balanced")
    grid = param_grid(est, classifier)
    # Fitting several grid points at once keeps every core busy: one small LR iteration is one short job.
    parallelism = spec.cv.parallelism or max(1, min(len(grid), cores))
    return CrossValidator(
        estimator=est,
        estimatorParamMaps=grid,
        evaluator=evaluator(spec.cv.metric, classifier),
        numFolds=spec.cv.folds,
        seed=spec.cv.seed,
        parallelism=parallelism,
    )


def cross_validate(
    featurized_train: DataFrame, spec: TrainingSpec, classifier: ClassifierSpec, cores: int = 1
) -> CrossValidatorModel:
    return cross_validator(spec, classifier, cores).fit(featurized_train)


def grid_params(param_map: ParamMap, kind: str) -> dict[str, Any]:
    """A grid point with the spec's key names, e.g. {"max_iter": 10, "reg_param": 0.0, ...}."""
    by_name = {param.name: value for param, value in param_map.items()}
    return {key: by_name[name] for key, name in GRID_PARAMS[kind].items() if name in by_name}


def best_params(model: Model, kind: str) -> dict[str, Any]:
    return {key: model.getOrDefault(name) for key, name in GRID_PARAMS[kind].items()}


def cv_scores(cv_model: CrossValidatorModel, kind: str) -> list[dict[str, Any]]:
    return [
        {"params": grid_params(pm, kind), "metric": float(metric)}
        for pm, metric in zip(cv_model.getEstimatorParamMaps(), cv_model.avgMetrics)
    ]


def final_model(featurizer_model: PipelineModel, classifier: Model, labels: list[str]) -> PipelineModel:
    """Raw text in; prediction, probability, rawPrediction and predicted_label (original value) out."""
    to_label = IndexToString(inputCol=PREDICTION, outputCol=PREDICTED_LABEL, labels=labels)
    return PipelineModel(stages=[*featurizer_model.stages, classifier, to_label])
