"""Text stages: clean (SQL), tokenize, remove stop words. All are Transformers: they save with the model."""

from __future__ import annotations

from pyspark.ml import Transformer
from pyspark.ml.feature import RegexTokenizer, SQLTransformer, StopWordsRemover

from .columns import CLEAN, FILTERED, TOKENS, quote_identifier
from .spec import CleanRule, StopWords, TextSpec


def sql_string_literal(value: str) -> str:
    """`value` as a Spark SQL string literal (default parser settings), e.g. for a regex.

    Backslash and single quote are escaped. Underscores are written as `\\u005F` because SQLTransformer
    replaces the text `__THIS__` anywhere in its statement, including inside literals.
    """
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("_", "\\u005F")
    return "'" + escaped + "'"


# The seed's tag rule. Java tries it from every '<' and backtracks `.*` from the end of the line each
# time, so a line costs its '<'s times its length: a document without newlines is one line, and at 1M such
# documents prepare took 194-234 s with this rule, 129 s anchored. It removes, on each line, from the
# first '<' to the last "/>" after it: when the line's first '<' has no "/>" after it, no later '<' has
# either. So matching only at the first '<' of a line (kept in front by a group) removes exactly the same
# text, in one pass.
SEED_TAG_PATTERN = "<.*/>"
# `.` stops at each of Java's line terminators, and MULTILINE's `^` starts a line after each of them.
ANCHORED_TAG_PATTERN = r"(?m)^([^<\n\r\u0085\u2028\u2029]*+)<.*/>"


def linear_rule(rule: CleanRule) -> CleanRule:
    """The rule Java applies in linear time with the same result (the seed's tag rule), else the rule."""
    if rule.pattern != SEED_TAG_PATTERN:
        return rule
    # The replacement cannot name a group of `<.*/>` (it has none): "$1" + "0" stays group 1, then 0.
    return CleanRule(ANCHORED_TAG_PATTERN, "$1" + rule.replacement)


def clean_expression(column: str, rules: tuple[CleanRule, ...], lowercase: bool) -> str:
    """SQL that applies each rule in order, then lower-cases; a null text becomes '' so any row scores."""
    expr = f"coalesce(CAST({quote_identifier(column)} AS STRING), '')"
    for rule in map(linear_rule, rules):
        pattern, replacement = sql_string_literal(rule.pattern), sql_string_literal(rule.replacement)
        expr = f"regexp_replace({expr}, {pattern}, {replacement})"
    return f"lower({expr})" if lowercase else expr


def cleaner(text_column: str, spec: TextSpec, output_col: str = CLEAN) -> SQLTransformer:
    expr = clean_expression(text_column, spec.clean, spec.lowercase)
    return SQLTransformer(statement=f"SELECT *, {expr} AS {quote_identifier(output_col)} FROM __THIS__")


def tokenizer(spec: TextSpec, input_col: str = CLEAN, output_col: str = TOKENS) -> RegexTokenizer:
    # Lower-casing is the cleaner's job (spec.text.lowercase); RegexTokenizer would do it by default.
    return RegexTokenizer(
        inputCol=input_col,
        outputCol=output_col,
        pattern=spec.tokenizer_pattern,
        gaps=True,
        minTokenLength=spec.min_token_length,
        toLowercase=False,
    )


def stop_words_remover(
    stop_words: StopWords, input_col: str = TOKENS, output_col: str = FILTERED
) -> StopWordsRemover:
    if stop_words.language is not None:
        words = StopWordsRemover.loadDefaultStopWords(stop_words.language)
    else:
        words = list(stop_words.words or ())
    # A fixed locale keeps case-insensitive matching the same on every machine that loads the model.
    return StopWordsRemover(
        inputCol=input_col, outputCol=output_col, stopWords=words, caseSensitive=False, locale="en_US"
    )


def text_stages(text_column: str, spec: TextSpec) -> tuple[list[Transformer], str]:
    """The text stages in order, and the name of the token column they produce."""
    stages: list[Transformer] = [cleaner(text_column, spec), tokenizer(spec)]
    if spec.stop_words is None:
        return stages, TOKENS
    stages.append(stop_words_remover(spec.stop_words))
    return stages, FILTERED
