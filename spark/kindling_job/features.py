"""One featurizer per feature set: text stages + feature stages in a single Pipeline (fit on train only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import IDF, HashingTF, MinMaxScaler, NGram, SQLTransformer, Word2Vec
from pyspark.sql import DataFrame

from .columns import FEATURES, NGRAMS_PREFIX, TERM_FREQ, TERMS, WORD_VECTORS, quote_identifier
from .spec import FeatureSet, HashingTfSet, TextSpec, TfidfSet, Word2VecSet
from .text import text_stages

if TYPE_CHECKING:
    from pyspark.ml._typing import PipelineStage as Stage


def term_stages(fs: HashingTfSet | TfidfSet, tokens_col: str, output_col: str) -> list[Stage]:
    """Hashed term counts (or 0/1 with `binary`) of the tokens and, with `ngrams` n > 1, of their word
    2..n-grams too, in one vector: "not spam" then weighs apart from "not" and "spam"."""
    if fs.ngrams == 1:
        ngram_stages: list[Stage] = []
        terms_col = tokens_col
    else:
        lengths = range(2, fs.ngrams + 1)
        ngram_stages = [NGram(n=n, inputCol=tokens_col, outputCol=f"{NGRAMS_PREFIX}{n}") for n in lengths]
        columns = ", ".join(
            quote_identifier(c) for c in [tokens_col, *(f"{NGRAMS_PREFIX}{n}" for n in lengths)]
        )
        ngram_stages.append(SQLTransformer(statement=f"SELECT *, concat({columns}) AS {TERMS} FROM __THIS__"))
        terms_col = TERMS
    hashing = HashingTF(
        inputCol=terms_col, outputCol=output_col, numFeatures=fs.num_features, binary=fs.binary
    )
    return [*ngram_stages, hashing]


def hashing_tf_stages(fs: HashingTfSet, tokens_col: str) -> list[Stage]:
    return term_stages(fs, tokens_col, FEATURES)


def tfidf_stages(fs: TfidfSet, tokens_col: str) -> list[Stage]:
    return [
        *term_stages(fs, tokens_col, TERM_FREQ),
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


def fits_on_one_core(fs: FeatureSet, cores: int) -> bool:
    """Word2Vec on one partition: its fit (most of a run on small data) is one task, on one core."""
    return isinstance(fs, Word2VecSet) and (fs.num_partitions or cores) == 1


def split_beside(
    feature_sets: Sequence[FeatureSet], cores: int
) -> tuple[tuple[FeatureSet, ...], tuple[FeatureSet, ...]]:
    """(in order, beside): the feature sets to train one after another, and those to train on a second
    thread meanwhile because their fit would leave the other cores idle. With one core, or nothing to
    train beside them, everything goes in order."""
    beside = tuple(fs for fs in feature_sets if fits_on_one_core(fs, cores))
    in_order = tuple(fs for fs in feature_sets if fs not in beside)
    if cores < 2 or not beside or not in_order:
        return tuple(feature_sets), ()
    return in_order, beside


def fit_featurizer(pipeline: Pipeline, train: DataFrame) -> PipelineModel:
    """Fit on the training split only: IDF and Word2Vec must not see the test rows."""
    return pipeline.fit(train)
