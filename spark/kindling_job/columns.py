"""Column names the job adds. The text column keeps its input name, so the saved model scores raw data."""

LABEL_VALUE = "label_value"  # the original label, as a string
LABEL = "label"  # its index (StringIndexer order: most frequent first)
CLEAN = "kindling_clean"
TOKENS = "kindling_tokens"
FILTERED = "kindling_filtered"
TERM_FREQ = "kindling_tf"
NGRAMS_PREFIX = "kindling_ngrams_"  # + n: the word n-grams of one length
TERMS = "kindling_terms"  # tokens and their n-grams, hashed together
WEIGHT = "kindling_weight"  # a training row's class weight
ROW = "kindling_row"  # a test row's number
WORD_VECTORS = "kindling_w2v"
SPLIT_KEY = "kindling_split_key"  # a stratified split's row hash, and its label's cut
SPLIT_CUT = "kindling_split_cut"
FEATURES = "features"
PREDICTION = "prediction"
PROBABILITY = "probability"
RAW_PREDICTION = "rawPrediction"
PREDICTED_LABEL = "predicted_label"

# The text column keeps its input name, so it must not be a column the job adds: these names, or any name
# starting with RESERVED_PREFIX (the working columns above, and rejects.CORRUPT). schema/job-spec.schema.json
# has the same (from src/spec/reserved.ts); tests/test_spec_schema.py keeps the two equal.
RESERVED_PREFIX = "kindling_"
RESERVED = frozenset(
    {
        LABEL_VALUE,
        LABEL,
        FEATURES,
        PREDICTION,
        PROBABILITY,
        RAW_PREDICTION,
        PREDICTED_LABEL,
    }
)


def is_reserved(name: str) -> bool:
    return name in RESERVED or name.startswith(RESERVED_PREFIX)


def quote_identifier(name: str) -> str:
    """A column name as a Spark SQL identifier, safe for dots, spaces and backticks."""
    return "`" + name.replace("`", "``") + "`"
