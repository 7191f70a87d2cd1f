"""Split once, featurize the training split once per set, cross-validate only the classifier, assemble
the model that is saved: fitted featurizer stages + best LogisticRegression + IndexToString."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.ml import PipelineModel
from pyspark.ml.classification import LogisticRegression, LogisticRegressionModel
from pyspark.ml.evaluation import BinaryClassificationEvaluator, Evaluator, MulticlassClassificationEvaluator
from pyspark.ml.feature import IndexToString
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from .columns import (
    FEATURES,
    LABEL,
    PREDICTED_LABEL,
    PREDICTION,
    RAW_PREDICTION,
    SPLIT_CUT,
    SPLIT_KEY,
    quote_identifier,
)
from .spec import BINARY_CV_METRICS, Grid, SplitSpec, TrainingSpec

if TYPE_CHECKING:
    from pyspark.ml._typing import ParamMap

# spec grid key -> LogisticRegression param name
GRID_PARAMS = {"max_iter": "maxIter", "reg_param": "regParam", "elastic_net_param": "elasticNetParam"}


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


def featurized_training_set(featurizer_model: PipelineModel, train: DataFrame) -> DataFrame:
    """Label + features only, cached: cross-validation reads it folds x grid points times."""
    return featurizer_model.transform(train).select(LABEL, FEATURES).cache()


def param_grid(lr: LogisticRegression, grid: Grid) -> list[ParamMap]:
    return (
        ParamGridBuilder()
        .addGrid(lr.maxIter, list(grid.max_iter))
        .addGrid(lr.regParam, list(grid.reg_param))
        .addGrid(lr.elasticNetParam, list(grid.elastic_net_param))
        .build()
    )


def cross_validator(spec: TrainingSpec, cores: int = 1) -> CrossValidator:
    lr = LogisticRegression(featuresCol=FEATURES, labelCol=LABEL)
    evaluator: Evaluator
    if spec.cv.metric in BINARY_CV_METRICS:
        evaluator = BinaryClassificationEvaluator(
            labelCol=LABEL,
            rawPredictionCol=RAW_PREDICTION,
            metricName=spec.cv.metric,  # type: ignore[arg-type]
        )
    else:
        evaluator = MulticlassClassificationEvaluator(
            labelCol=LABEL,
            predictionCol=PREDICTION,
            metricName=spec.cv.metric,  # type: ignore[arg-type]
        )
    grid = param_grid(lr, spec.model.grid)
    # Fitting several grid points at once keeps every core busy: one small LR iteration is one short job.
    parallelism = spec.cv.parallelism or max(1, min(len(grid), cores))
    return CrossValidator(
        estimator=lr,
        estimatorParamMaps=grid,
        evaluator=evaluator,
        numFolds=spec.cv.folds,
        seed=spec.cv.seed,
        parallelism=parallelism,
    )


def cross_validate(featurized_train: DataFrame, spec: TrainingSpec, cores: int = 1) -> CrossValidatorModel:
    return cross_validator(spec, cores).fit(featurized_train)


def grid_params(param_map: ParamMap) -> dict[str, Any]:
    """A grid point with the spec's key names, e.g. {"max_iter": 10, "reg_param": 0.0, ...}."""
    by_name = {param.name: value for param, value in param_map.items()}
    return {key: by_name[name] for key, name in GRID_PARAMS.items() if name in by_name}


def best_params(model: LogisticRegressionModel) -> dict[str, Any]:
    return {key: model.getOrDefault(name) for key, name in GRID_PARAMS.items()}


def cv_scores(cv_model: CrossValidatorModel) -> list[dict[str, Any]]:
    return [
        {"params": grid_params(pm), "metric": float(metric)}
        for pm, metric in zip(cv_model.getEstimatorParamMaps(), cv_model.avgMetrics)
    ]


def final_model(
    featurizer_model: PipelineModel, classifier: LogisticRegressionModel, labels: list[str]
) -> PipelineModel:
    """Raw text in; prediction, probability, rawPrediction and predicted_label (original value) out."""
    to_label = IndexToString(inputCol=PREDICTION, outputCol=PREDICTED_LABEL, labels=labels)
    return PipelineModel(stages=[*featurizer_model.stages, classifier, to_label])
