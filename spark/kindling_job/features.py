"""One featurizer per feature set: text stages + feature stages in a single Pipeline (fit on train only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import IDF, HashingTF, MinMaxScaler, Word2Vec
from pyspark.sql import DataFrame

from .columns import FEATURES, TERM_FREQ, WORD_VECTORS
from .spec import FeatureSet, HashingTfSet, TextSpec, TfidfSet, Word2VecSet
from .text import text_stages

if TYPE_CHECKING:
    from pyspark.ml._typing import PipelineStage as Stage


def hashing_tf_stages(fs: HashingTfSet, tokens_col: str) -> list[Stage]:
    return [HashingTF(inputCol=tokens_col, outputCol=FEATURES, numFeatures=fs.num_features)]


def tfidf_stages(fs: TfidfSet, tokens_col: str) -> list[Stage]:
    return [
        HashingTF(inputCol=tokens_col, outputCol=TERM_FREQ, numFeatures=fs.num_features),
        IDF(inputCol=TERM_FREQ, outputCol=FEATURES, minDocFreq=fs.min_doc_freq),
    ]


def word2vec_stages(fs: Word2VecSet, tokens_col: str, cores: int = 1) -> list[Stage]:
    scaled = fs.scaler == "minmax"
    w2v = Word2Vec(
        inputCol=tokens_col,
        outputCol=WORD_VECTORS if scaled else FEATURES,
        vectorSize=fs.vector_size,
        minCount=fs.min_count,
        maxIter=fs.max_iter,
        # Word2Vec trains each partition on one core; the seed's single partition left the others idle.
        numPartitions=fs.num_partitions or cores,
        stepSize=fs.step_size,
        windowSize=fs.window_size,
        seed=fs.seed,
    )
    if not scaled:
        return [w2v]
    return [w2v, MinMaxScaler(inputCol=WORD_VECTORS, outputCol=FEATURES)]


def feature_stages(fs: FeatureSet, tokens_col: str, cores: int = 1) -> list[Stage]:
    if isinstance(fs, HashingTfSet):
        return hashing_tf_stages(fs, tokens_col)
    if isinstance(fs, TfidfSet):
        return tfidf_stages(fs, tokens_col)
    return word2vec_stages(fs, tokens_col, cores)


def featurizer(text_column: str, text: TextSpec, fs: FeatureSet, cores: int = 1) -> Pipeline:
    """Raw text column in, `features` out."""
    stages, tokens_col = text_stages(text_column, text)
    return Pipeline(stages=[*stages, *feature_stages(fs, tokens_col, cores)])


def token_featurizer(fs: FeatureSet, tokens_col: str, cores: int = 1) -> Pipeline:
    """Tokens in, `features` out: the job tokenizes once and shares the tokens among feature sets."""
    return Pipeline(stages=feature_stages(fs, tokens_col, cores))


def fit_featurizer(pipeline: Pipeline, train: DataFrame) -> PipelineModel:
    """Fit on the training split only: IDF and Word2Vec must not see the test rows."""
    return pipeline.fit(train)
