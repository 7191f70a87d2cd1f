"""Column names the job adds. The text column keeps its input name, so the saved model scores raw data."""

LABEL_VALUE = "label_value"  # the original label, as a string
LABEL = "label"  # its index (StringIndexer order: most frequent first)
CLEAN = "kindling_clean"
TOKENS = "kindling_tokens"
FILTERED = "kindling_filtered"
TERM_FREQ = "kindling_tf"
WORD_VECTORS = "kindling_w2v"
FEATURES = "features"
PREDICTION = "prediction"
PROBABILITY = "probability"
RAW_PREDICTION = "rawPrediction"
PREDICTED_LABEL = "predicted_label"

RESERVED = frozenset(
    {
        LABEL_VALUE,
        LABEL,
        CLEAN,
        TOKENS,
        FILTERED,
        TERM_FREQ,
        WORD_VECTORS,
        FEATURES,
        PREDICTION,
        PROBABILITY,
        RAW_PREDICTION,
        PREDICTED_LABEL,
    }
)


def quote_identifier(name: str) -> str:
    """A column name as a Spark SQL identifier, safe for dots, spaces and backticks."""
    return "`" + name.replace("`", "``") + "`"
