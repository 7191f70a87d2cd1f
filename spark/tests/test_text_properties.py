"""Hypothesis over the cleaning and tokenizing functions with rules and settings other than the seed's:
any text, any literal rule, any minimum token length — a result, never a failure."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.ml import PipelineModel
from pyspark.sql import SparkSession
from pyspark.sql.types import StringType, StructField, StructType

from kindling_job.columns import CLEAN, TOKENS
from kindling_job.spec import CleanRule, TextSpec, parse_spec
from kindling_job.text import cleaner, tokenizer

from .helpers import seed_spec

SCHEMA = StructType([StructField("text", StringType())])
# Any text Spark can hold: no lone surrogates.
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


def java_quote(literal: str) -> str:
    """Pattern.quote: the literal as a Java regex."""
    return "\\Q" + literal.replace("\\E", "\\E\\\\E\\Q") + "\\E"


def java_quote_replacement(literal: str) -> str:
    """Matcher.quoteReplacement: the literal as a Java replacement string."""
    return literal.replace("\\", "\\\\").replace("$", "\\$")


def spec(rules: list[CleanRule], lowercase: bool = False, min_token_length: int = 1) -> TextSpec:
    return TextSpec(tuple(rules), lowercase, "\\W", min_token_length, None)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(TEXT, min_size=1, max_size=5),
    st.lists(st.tuples(TEXT.filter(bool), TEXT), min_size=1, max_size=3),
)
def test_literal_rules_replace_exactly_like_str_replace(
    spark: SparkSession, values: list[str], rules: list[tuple[str, str]]
) -> None:
    """Quotes, backslashes, dollars, underscores and `__THIS__` survive the SQL and regex escaping."""
    clean = [CleanRule(java_quote(old), java_quote_replacement(new)) for old, new in rules]
    df = spark.createDataFrame([(v,) for v in values], SCHEMA)
    got = [r[CLEAN] for r in cleaner("text", spec(clean)).transform(df).collect()]
    expected = []
    for v in values:
        for old, new in rules:
            v = v.replace(old, new)
        expected.append(v)
    assert got == expected


@settings(max_examples=15, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=6), st.integers(min_value=1, max_value=4))
def test_tokens_are_word_runs_of_at_least_the_minimum_length(
    spark: SparkSession, values: list[str | None], min_length: int
) -> None:
    text = spec([], lowercase=False, min_token_length=min_length)
    model = PipelineModel(stages=[cleaner("text", text), tokenizer(text)])
    rows = model.transform(spark.createDataFrame([(v,) for v in values], SCHEMA)).collect()
    assert len(rows) == len(values)
    for row, value in zip(rows, values):
        assert row[CLEAN] == (value or "")  # a null text is cleaned as ''
        for token in row[TOKENS]:
            assert len(token) >= min_length
            assert re.fullmatch(r"[A-Za-z0-9_]+", token)  # Java's \W: everything else separates
        # Every ASCII word run long enough is a token, in order.
        words = [w for w in re.findall(r"[A-Za-z0-9_]+", value or "") if len(w) >= min_length]
        assert list(row[TOKENS]) == words


@settings(max_examples=20, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_the_default_letters_rule_removes_what_the_seeds_rule_removes(
    spark: SparkSession, values: list[str]
) -> None:
    """The default `[^\\p{Alpha} ]` stands in for the seed's slower `[^A-Za-z ]`: same output on any text."""
    default_rule = next(r for r in parse_spec(seed_spec()).text.clean if "Alpha" in r.pattern)
    seed_rule = CleanRule("[^A-Za-z ]", default_rule.replacement)
    # Letters outside ASCII (accented, ligature, title case, mathematical bold, Arabic digit) go too.
    non_ascii = "\u00dcn\u00efc\u00f6d\u00e9 \u00df \u01c5 \ufb01 \U0001d400 \u0663 abcXYZ 09_"
    df = spark.createDataFrame([(v,) for v in [*values, non_ascii]], SCHEMA)
    got = [r[CLEAN] for r in cleaner("text", spec([default_rule])).transform(df).collect()]
    expected = [r[CLEAN] for r in cleaner("text", spec([seed_rule])).transform(df).collect()]
    assert got == expected
