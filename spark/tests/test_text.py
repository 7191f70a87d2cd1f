from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from chispa import assert_column_equality, assert_df_equality
from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.ml import PipelineModel
from pyspark.ml.feature import StopWordsRemover
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from kindling_job.columns import CLEAN, FILTERED, TOKENS
from kindling_job.spec import CleanRule, StopWords, TextSpec, parse_spec
from kindling_job.text import (
    ANCHORED_TAG_PATTERN,
    cleaner,
    linear_rule,
    sql_string_literal,
    stop_words_remover,
    text_stages,
    tokenizer,
)

from .helpers import seed_spec

SEED_TEXT = parse_spec(seed_spec()).text
# The CLI's default cleaning (src/config/schema.ts), from the committed JSON Schema of kindling.yaml.
CONFIG_SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "kindling.schema.json"
CONFIG_TEXT = json.loads(CONFIG_SCHEMA.read_text(encoding="utf-8"))["properties"]["text"]
DEFAULT_RULES: list[dict[str, str]] = CONFIG_TEXT["properties"]["clean"]["default"]
DEFAULT_TEXT = dataclasses.replace(
    SEED_TEXT, clean=tuple(CleanRule(r["pattern"], r["replace"]) for r in DEFAULT_RULES)
)
TEXT_SCHEMA = StructType([StructField("text", StringType())])


def texts(spark: SparkSession, values: Sequence[str | None]) -> DataFrame:
    return spark.createDataFrame([(v,) for v in values], TEXT_SCHEMA)


def with_expected(spark: SparkSession, pairs: list[tuple[str | None, str]]) -> DataFrame:
    schema = StructType([StructField("text", StringType()), StructField("expected", StringType())])
    return spark.createDataFrame(pairs, schema)


def test_seed_cleaning_in_order(spark: SparkSession) -> None:
    df = with_expected(
        spark,
        [
            # Seed behaviour, kept on purpose: a tag glues the words around it together.
            ("Great movie!<br /><br />Loved it", "great movieloved it"),
            ("It's  10/10 —   really", "its really"),
            ("<i>tag</i> without self-close", "itagi without selfclose"),
            ("", ""),
            (None, ""),  # null text scores as empty text instead of failing
        ],
    )
    out = cleaner("text", SEED_TEXT).transform(df)
    assert_column_equality(out, CLEAN, "expected")


def tokens_of(spark: SparkSession, spec: TextSpec, values: list[str]) -> list[list[str]]:
    stages, tokens_col = text_stages("text", spec)
    rows = PipelineModel(stages=stages).transform(texts(spark, list(values))).select(tokens_col).collect()
    return [list(r[0]) for r in rows]


def test_default_cleaning_separates_words_where_the_seed_glued_them(spark: SparkSession) -> None:
    joined = [
        "refund invoice charged twice",
        "refund\ninvoice\ncharged\ntwice",
        "refund,invoice,charged,twice",
        "Refund-invoice: charged (twice)!",
    ]
    assert tokens_of(spark, DEFAULT_TEXT, joined) == [["refund", "invoice", "charged", "twice"]] * 4
    # The seed's literal rule deleted the separators: one unknown token instead of four words.
    assert tokens_of(spark, SEED_TEXT, joined[1:3]) == [["refundinvoicechargedtwice"]] * 2


def test_portuguese_with_rules_that_keep_every_script(spark: SparkSession) -> None:
    # What the README tells a Portuguese user to write: letters of any script survive, tokens split on
    # anything that is not a letter, Spark's Portuguese list.
    spec = TextSpec(
        (CleanRule("<[^<>]*>", " "), CleanRule("[^\\p{L} ]", " "), CleanRule(" +", " ")),
        True,
        "[^\\p{L}]",
        1,
        StopWords(language="portuguese"),
    )
    assert tokens_of(spark, spec, ["Não recebi o reembolso, cobraram duas vezes!"]) == [
        ["recebi", "reembolso", "cobraram", "duas", "vezes"]
    ]
    # With the ASCII defaults the accented letter splits the word and "não" escapes the list.
    ascii_spec = dataclasses.replace(DEFAULT_TEXT, stop_words=StopWords(language="portuguese"))
    assert tokens_of(spark, ascii_spec, ["Não recebi"]) == [["n", "recebi"]]


def test_default_cleaning_removes_tags_not_the_text_between_them(spark: SparkSession) -> None:
    review = ["Great<br />movie, loved it.<br />The end", "<i>tag</i> without self-close"]
    assert tokens_of(spark, DEFAULT_TEXT, review) == [
        ["great", "movie", "loved", "end"],
        ["tag", "without", "self", "close"],
    ]
    # The seed's greedy rule ate everything from the first `<` to the last `/>`.
    assert tokens_of(spark, SEED_TEXT, review[:1]) == [["greatthe", "end"]]


def test_lowercase_off_keeps_case(spark: SparkSession) -> None:
    spec = TextSpec((CleanRule(" +", " "),), False, "\\W", 1, None)
    out = cleaner("text", spec).transform(with_expected(spark, [("Hello   World", "Hello World")]))
    assert_column_equality(out, CLEAN, "expected")


def test_regexes_with_backslashes_quotes_and_groups_survive_sql_escaping(spark: SparkSession) -> None:
    rules = (
        CleanRule("\\d+", "#"),  # backslash class
        CleanRule("'", ""),  # single quote
        CleanRule("\\\\", "/"),  # one literal backslash
        CleanRule("(\\w+)@(\\w+)", "$2 at $1"),  # group references in the replacement
        CleanRule("__THIS__", "this"),  # SQLTransformer's placeholder inside a literal
        CleanRule("\\n", " "),  # regex escape for a newline, not a newline character
        CleanRule("x", "\\\\"),  # escaped backslash in a Java replacement
    )
    spec = TextSpec(rules, False, "\\W", 1, None)
    df = with_expected(
        spark,
        [
            ("a1b22", "a#b#"),
            ("it's", "its"),
            ("C:\\dir", "C:/dir"),
            ("me@home", "home at me"),
            ("see __THIS__", "see this"),
            ("two\nlines", "two lines"),
            ("x", "\\"),
        ],
    )
    assert_column_equality(cleaner("text", spec).transform(df), CLEAN, "expected")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=8))
def test_sql_string_literal_round_trips_any_string(spark: SparkSession, values: list[str]) -> None:
    row = spark.sql(
        "SELECT " + ", ".join(f"{sql_string_literal(v)} AS c{i}" for i, v in enumerate(values))
    ).first()
    assert row is not None
    assert list(row) == values


def test_tokenizer_splits_on_non_word_and_honours_min_length(spark: SparkSession) -> None:
    schema = StructType([StructField(CLEAN, StringType()), StructField("expected", ArrayType(StringType()))])
    df = spark.createDataFrame(
        [("one two  three", ["one", "two", "three"]), ("", []), ("a bb ccc", ["bb", "ccc"])], schema
    )
    spec = TextSpec((), True, "\\W", 2, None)
    out = tokenizer(spec).transform(df)
    assert_column_equality(out.withColumnRenamed(TOKENS, "tokens"), "tokens", "expected")


def test_tokenizer_does_not_lowercase_on_its_own(spark: SparkSession) -> None:
    spec = TextSpec((), False, "\\s+", 1, None)
    df = spark.createDataFrame([("Mixed Case",)], [CLEAN])
    row = tokenizer(spec).transform(df).first()
    assert row is not None
    assert row[TOKENS] == ["Mixed", "Case"]


def test_stop_words_english_given_or_none(spark: SparkSession) -> None:
    schema = StructType([StructField(TOKENS, ArrayType(StringType()))])
    df = spark.createDataFrame([(["the", "movie", "was", "Great"],)], schema)

    def filtered(sw: StopWords) -> list[str]:
        row = stop_words_remover(sw).transform(df).first()
        assert row is not None
        return list(row[FILTERED])

    assert filtered(StopWords(language="english")) == ["movie", "Great"]
    assert filtered(StopWords(words=("great", "movie"))) == ["the", "was"]  # case-insensitive
    _, tokens_col = text_stages("text", TextSpec((), True, "\\W", 1, None))
    assert tokens_col == TOKENS  # no remover stage when stop_words is null


def test_text_stages_end_to_end(spark: SparkSession) -> None:
    stages, tokens_col = text_stages("text", SEED_TEXT)
    out = PipelineModel(stages=stages).transform(texts(spark, ["The <b/>Movie, was GREAT!!", None]))
    schema = StructType([StructField("text", StringType()), StructField(tokens_col, ArrayType(StringType()))])
    expected = spark.createDataFrame([("The <b/>Movie, was GREAT!!", ["movie", "great"]), (None, [])], schema)
    assert_df_equality(out.select("text", tokens_col), expected, ignore_nullable=True)


# Characters that exercise every seed rule: tags, punctuation, quotes, backslashes, digits, whitespace,
# and non-ASCII letters (which must not survive and must not break lower-casing).
TEXT_CHARS = st.sampled_from(list("aBzZ <>/.'\"\\_0123456789\n\t-!éßİΣ日本")) | st.characters()
TEXTS = st.lists(st.none() | st.text(TEXT_CHARS, max_size=40), min_size=1, max_size=10)


def run_text_stages_twice(
    spark: SparkSession, values: list[str | None], spec: TextSpec
) -> list[tuple[str, list[str], str]]:
    """(cleaned, tokens, cleaned again) per value, in one Spark job: examples are cheap enough to run many."""
    stages, tokens_col = text_stages("text", spec)
    again = cleaner(CLEAN, spec, output_col="cleaned_again")
    model = PipelineModel(stages=[*stages, again])
    rows = model.transform(texts(spark, values)).select(CLEAN, tokens_col, "cleaned_again").collect()
    return [(r[0], list(r[1]), r[2]) for r in rows]


@pytest.mark.parametrize("spec", [SEED_TEXT, DEFAULT_TEXT], ids=["seed", "default"])
@settings(max_examples=25, deadline=None)
@given(TEXTS)
def test_text_stages_never_fail_and_are_idempotent(
    spark: SparkSession, spec: TextSpec, values: list[str | None]
) -> None:
    english = set(StopWordsRemover.loadDefaultStopWords("english"))
    results = run_text_stages_twice(spark, values, spec)
    assert len(results) == len(values)
    for cleaned, tokens, cleaned_again in results:
        assert re.fullmatch(r"[a-z ]*", cleaned)  # only lower-case ASCII letters and spaces
        assert "  " not in cleaned
        assert cleaned_again == cleaned  # cleaning is idempotent
        assert all(re.fullmatch(r"[a-z]+", t) for t in tokens)
        assert not english.intersection(tokens)


# Characters that decide where `<.*/>` matches: its own, each of Java's line terminators (`\r\n` too),
# and a letter and a supplementary character in between.
TAG_TEXT = st.lists(
    st.sampled_from(["<", "/", ">", "a", " ", "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "😀"]),
    max_size=40,
).map("".join)


@settings(max_examples=30, deadline=None)
@given(st.lists(TAG_TEXT, min_size=1, max_size=60), st.sampled_from(["", " ", "0", "\\$0"]))
def test_seed_tag_rule_runs_anchored_with_the_same_result(
    spark: SparkSession, values: list[str], replacement: str
) -> None:
    rule = CleanRule("<.*/>", replacement)
    assert linear_rule(rule).pattern == ANCHORED_TAG_PATTERN
    spec = dataclasses.replace(SEED_TEXT, clean=(rule,), lowercase=False)
    java = f"regexp_replace(text, {sql_string_literal(rule.pattern)}, {sql_string_literal(replacement)})"
    df = cleaner("text", spec).transform(texts(spark, values)).selectExpr(CLEAN, f"{java} AS expected")
    assert_column_equality(df, CLEAN, "expected")


def test_seed_tag_rule_anchored_on_lines_with_and_without_tags(spark: SparkSession) -> None:
    df = with_expected(
        spark,
        [
            ("keep <a> <b/> gone/> kept <c>", "keep  kept <c>"),
            ("no close <a> <b>\nx <y/> z", "no close <a> <b>\nx  z"),
            ("</>", ""),
            ("a <b\r\n/> c <d/>", "a <b\r\n/> c "),
            ("<x\u2028/> <y/>", "<x\u2028/> "),
        ],
    )
    spec = dataclasses.replace(SEED_TEXT, clean=(CleanRule("<.*/>", ""),), lowercase=False)
    assert_column_equality(cleaner("text", spec).transform(df), CLEAN, "expected")
