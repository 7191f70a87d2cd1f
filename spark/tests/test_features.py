from __future__ import annotations

import pytest
from pyspark.ml.feature import HashingTF, IDFModel, MinMaxScalerModel, Word2VecModel
from pyspark.sql import DataFrame, SparkSession

from kindling_job.columns import FEATURES
from kindling_job.features import featurizer, fit_featurizer
from kindling_job.spec import HashingTfSet, TfidfSet, Word2VecSet, parse_spec

from .helpers import seed_spec

TEXT = parse_spec(seed_spec()).text
TRAIN_DOCS = [
    "cheap offer money money",
    "free money offer now",
    "team meeting agenda",
    "project review meeting notes",
]
TEST_ONLY = "zebra"


def docs(spark: SparkSession, values: list[str]) -> DataFrame:
    return spark.createDataFrame([(v,) for v in values], ["text"])


def test_hashing_tf_vectors_have_num_features(spark: SparkSession) -> None:
    model = fit_featurizer(featurizer("text", TEXT, HashingTfSet("h", 64)), docs(spark, TRAIN_DOCS))
    row = model.transform(docs(spark, ["Money, money; MONEY!"])).first()
    assert row is not None
    vector = row[FEATURES]
    assert vector.size == 64
    assert vector[HashingTF(numFeatures=64).indexOf("money")] == 3.0


@pytest.mark.parametrize("ngrams", [2, 3])
def test_ngrams_hash_word_sequences_beside_the_words(spark: SparkSession, ngrams: int) -> None:
    fs = HashingTfSet("h", 4096, ngrams=ngrams)
    model = fit_featurizer(featurizer("text", TEXT, fs), docs(spark, TRAIN_DOCS))
    row = model.transform(docs(spark, ["free money offer"])).first()
    assert row is not None
    index = HashingTF(numFeatures=4096).indexOf
    terms = ["free", "money", "offer", "free money", "money offer"] + (
        ["free money offer"] if ngrams == 3 else []
    )
    assert row[FEATURES].numNonzeros() == len({index(t) for t in terms})
    assert all(row[FEATURES][index(t)] >= 1.0 for t in terms)
    assert row[FEATURES][index("money free")] == 0.0 or index("money free") in {index(t) for t in terms}


def test_binary_counts_a_word_once(spark: SparkSession) -> None:
    fs = TfidfSet("t", 64, 0, binary=True)
    model = fit_featurizer(featurizer("text", TEXT, fs), docs(spark, TRAIN_DOCS))
    tf = model.transform(docs(spark, ["money money money"])).first()
    assert tf is not None
    assert tf["kindling_tf"][HashingTF(numFeatures=64).indexOf("money")] == 1.0


@pytest.mark.parametrize("min_doc_freq", [0, 1])
def test_tfidf_is_fitted_on_the_training_rows_only(spark: SparkSession, min_doc_freq: int) -> None:
    htf = HashingTF(numFeatures=1024)
    train_tokens = {t for d in TRAIN_DOCS for t in d.split()}
    test_index = htf.indexOf(TEST_ONLY)
    assert test_index not in {htf.indexOf(t) for t in train_tokens}  # no hash collision muddles this test

    model = fit_featurizer(
        featurizer("text", TEXT, TfidfSet("t", 1024, min_doc_freq)), docs(spark, TRAIN_DOCS)
    )
    idf = model.stages[-1]
    assert isinstance(idf, IDFModel)
    assert idf.numDocs == len(TRAIN_DOCS)
    assert idf.docFreq[test_index] == 0
    assert idf.docFreq[htf.indexOf("meeting")] == 2

    row = model.transform(docs(spark, [f"{TEST_ONLY} meeting"])).first()
    assert row is not None
    if min_doc_freq >= 1:  # a term no training document has carries no weight
        assert row[FEATURES][test_index] == 0.0
    assert row[FEATURES][htf.indexOf("meeting")] > 0.0


def word2vec_set(scaler: str) -> Word2VecSet:
    return Word2VecSet("w", 8, 1, 1, 1, 0.025, 5, 11, scaler)  # type: ignore[arg-type]


def test_word2vec_minmax_vectors_learn_train_vocabulary_only(spark: SparkSession) -> None:
    model = fit_featurizer(featurizer("text", TEXT, word2vec_set("minmax")), docs(spark, TRAIN_DOCS))
    w2v, scaler = model.stages[-2], model.stages[-1]
    assert isinstance(w2v, Word2VecModel)
    assert isinstance(scaler, MinMaxScalerModel)
    vocabulary = {r["word"] for r in w2v.getVectors().collect()}
    assert TEST_ONLY not in vocabulary
    assert "meeting" in vocabulary
    rows = model.transform(docs(spark, [*TRAIN_DOCS, TEST_ONLY])).collect()
    for row in rows:
        assert row[FEATURES].size == 8
        assert all(0.0 <= x <= 1.0 for x in row[FEATURES].toArray())


def test_word2vec_without_scaler_outputs_raw_vectors(spark: SparkSession) -> None:
    model = fit_featurizer(featurizer("text", TEXT, word2vec_set("none")), docs(spark, TRAIN_DOCS))
    assert isinstance(model.stages[-1], Word2VecModel)
    row = model.transform(docs(spark, [TEST_ONLY])).first()
    assert row is not None
    assert row[FEATURES].toArray().tolist() == [0.0] * 8  # no known word: the average of nothing
